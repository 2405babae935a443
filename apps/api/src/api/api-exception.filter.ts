import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toApiError } from './api-error';

/**
 * Every console API failure as `{code, message, details?, requestId}`. Bound to the console controllers
 * only (ConsoleController), so /v2 keeps its OCI envelope. 5xx: logged in full with the request id; the
 * client sees a generic message and the id to quote.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ConsoleApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request & { id?: string }>();
    const res = host.switchToHttp().getResponse<Response>();
    const requestId = String(req.id ?? '');
    const error = toApiError(exception, requestId);
    if (error.internal) this.logger.error({ msg: 'unhandled console API error', err: exception, requestId, method: req.method, path: req.path });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.status(error.status).json(error.body);
  }
}
