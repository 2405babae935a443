/**
 * Garbage collection through the console API (/api/v1/system/gc), as an administrator's script drives it:
 * start a run, poll it until it ends.
 */
import { basicAuth } from './access';
import { TEST_ADMIN_PASSWORD } from './test-berth';

export interface GcRun {
  id: string;
  trigger: 'manual' | 'schedule' | 'cli';
  triggeredBy: string | null;
  dryRun: boolean;
  deleteUntagged: boolean;
  workers: number;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  phase: string;
  done: number;
  total: number;
  bytesFreed: number;
  blobsDeleted: number;
  manifestsDeleted: number;
  uploadsDeleted: number;
  orphansDeleted: number;
  rescued: number;
  stopRequested: boolean;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  log?: { at: string; level: string; message: string }[];
}

export interface GcStartBody {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  workers?: number;
}

export interface GcResponse<T = any> {
  status: number;
  body: T;
}

/** Admin's Basic credentials against one server's GC routes. */
export class GcClient {
  constructor(
    readonly baseUrl: string,
    private readonly authorization: string | null = basicAuth('admin', TEST_ADMIN_PASSWORD),
  ) {}

  as(authorization: string | null): GcClient {
    return new GcClient(this.baseUrl, authorization);
  }

  async request<T = any>(method: string, route: string, body?: unknown): Promise<GcResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.authorization) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}/api/v1/system/gc${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** POST runs; fails unless 202. */
  async start(body: GcStartBody = {}): Promise<GcRun> {
    const res = await this.request<GcRun>('POST', '/runs', body);
    if (res.status !== 202) throw new Error(`POST /system/gc/runs answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async get(id: string): Promise<GcRun> {
    const res = await this.request<GcRun>('GET', `/runs/${id}`);
    if (res.status !== 200) throw new Error(`GET /system/gc/runs/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Polls the run until it is no longer `running`. */
  async wait(id: string, timeoutMs = 30_000, intervalMs = 20): Promise<GcRun> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.get(id);
      if (run.status !== 'running') return run;
      if (Date.now() > deadline) throw new Error(`GC run ${id} still running after ${timeoutMs} ms: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Starts a run and waits for it to end. */
  async run(body: GcStartBody = {}, timeoutMs?: number): Promise<GcRun> {
    return this.wait((await this.start(body)).id, timeoutMs);
  }
}
