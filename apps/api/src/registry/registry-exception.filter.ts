import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorEnvelope, isRegistryError, OciErrors, RegistryError } from '@berth/oci';
import { StorageFullError } from '@berth/storage';
import { isClientDisconnect } from '../common/client-disconnect';

/**
 * Every /v2 failure in the spec's envelope. A RegistryError is the client's problem and is answered
 * as it is; anything else is logged in full and answered with a generic message and the request id.
 */
@Catch()
export class RegistryExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Registry');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (res.headersSent) {
      // The body had started streaming; the only honest signal left is a broken connection.
      res.destroy();
      return;
    }
    let error: RegistryError;
    if (isRegistryError(exception)) {
      error = exception;
    } else if (isClientDisconnect(exception)) {
      res.destroy();
      return;
    } else if (exception instanceof StorageFullError) {
      // The operator's problem, not a bug: one clear line to alert on, and a message the client can show.
      const requestId = String((req as Request & { id?: string }).id ?? '');
      this.logger.error({ msg: 'storage is full: a write was refused and its partial data removed', path: exception.path, requestId });
      error = OciErrors.storageFull(undefined, { requestId });
    } else {
      const requestId = String((req as Request & { id?: string }).id ?? '');
      this.logger.error({ msg: 'unhandled registry error', err: exception, requestId });
      error = OciErrors.unknown('internal server error', { requestId });
    }
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.status(error.status).json(errorEnvelope(error));
  }
}
