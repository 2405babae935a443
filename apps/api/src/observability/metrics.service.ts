import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UploadRepository } from '../registry/upload.repository';

/** Prometheus metrics of this process: requests and latency per route, bytes in and out, open upload sessions. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly bytesIn: Counter<'route'>;
  readonly bytesOut: Counter<'route'>;

  constructor(uploads: UploadRepository) {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
    this.requests = new Counter({
      name: 'berth_http_requests_total',
      help: 'HTTP requests served, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'berth_http_request_duration_seconds',
      help: 'Time from request to the last byte of the response, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.bytesIn = new Counter({
      name: 'berth_http_received_bytes_total',
      help: 'Bytes received on the wire (headers and bodies), by route template',
      labelNames: ['route'],
      registers: [this.registry],
    });
    this.bytesOut = new Counter({
      name: 'berth_http_sent_bytes_total',
      help: 'Bytes sent on the wire (headers and bodies), by route template',
      labelNames: ['route'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'berth_registry_upload_sessions_open',
      help: 'Blob upload sessions started and neither finished nor cancelled (all replicas)',
      registers: [this.registry],
      async collect() {
        this.set(await uploads.countOpen());
      },
    });
  }
}
