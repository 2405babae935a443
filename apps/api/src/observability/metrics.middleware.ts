import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Times every request and counts its bytes from the socket's own counters, so streamed bodies are
 * measured without touching them. Routes are labelled by template (set by the handler) to keep cardinality low.
 */
export function metricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const socket = req.socket;
    const readAtStart = socket.bytesRead;
    const writtenAtStart = socket.bytesWritten;
    res.once('close', () => {
      const route = String(res.locals.route ?? req.route?.path ?? 'unmatched');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.duration.observe({ method: req.method, route }, seconds);
      metrics.bytesIn.inc({ route }, Math.max(0, socket.bytesRead - readAtStart));
      metrics.bytesOut.inc({ route }, Math.max(0, socket.bytesWritten - writtenAtStart));
    });
    next();
  };
}
