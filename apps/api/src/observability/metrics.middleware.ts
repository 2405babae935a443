import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** What a keep-alive socket had read and written when its previous request ended. */
const accounted = new WeakMap<Socket, { read: number; written: number }>();

/**
 * Times every request and counts its bytes from the socket's own counters, so streamed bodies are
 * measured without touching them. Node reads ahead of the handler, so the bytes of a request are what
 * the socket moved since the previous request on it ended. Routes are labelled by template (set by the
 * handler) to keep cardinality low.
 */
export function metricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const socket = req.socket;
    res.once('close', () => {
      const route = String(res.locals.route ?? req.route?.path ?? 'unmatched');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const before = accounted.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      accounted.set(socket, now);
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.duration.observe({ method: req.method, route }, seconds);
      metrics.bytesIn.inc({ route }, Math.max(0, now.read - before.read));
      metrics.bytesOut.inc({ route }, Math.max(0, now.written - before.written));
    });
    next();
  };
}
