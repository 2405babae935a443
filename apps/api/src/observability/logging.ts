import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import type { BerthConfig } from '../config/config';
import { clientAddress } from '../api/trusted-proxies';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

interface RequestContext {
  reqId: string;
}

/** The request being served, for every log line written on its behalf (however deep in the call). */
const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * Structured JSON logs on stdout. Each line written while a request is served carries its `reqId`
 * (through pino's mixin, read from AsyncLocalStorage); credentials never reach a line, because request
 * lines are built from an allow-list (method, path without query, address, user agent), and `redact`
 * covers secrets passed in objects by mistake.
 */
export function createRootLogger(level: BerthConfig['logLevel'], destination?: pino.DestinationStream): Pino {
  return pino(
    {
      level,
      base: { pid: process.pid },
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { reqId: ctx.reqId } : {};
      },
      redact: { paths: ['*.password', '*.secret', '*.token', '*.authorization', '*.cookie'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Express middleware: assigns the request id (reusing a sane incoming X-Request-Id), logs completion. */
export function requestLogging(logger: Pino) {
  const completion = logger.isLevelEnabled('info');
  return (req: IncomingMessage & { id?: string }, res: ServerResponse, next: () => void): void => {
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = reqId;
    res.setHeader('X-Request-Id', reqId);
    const started = performance.now();
    if (completion || logger.isLevelEnabled('error')) {
      res.once('close', () => {
        const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
        const url = req.url ?? '';
        if (status < 500 && (!completion || url === '/healthz' || url === '/metrics')) return;
        const line = {
          reqId,
          req: { id: reqId, method: req.method, url: url.split('?')[0], remoteAddress: clientAddress(req), userAgent: req.headers['user-agent'] },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        };
        if (status >= 500) logger.error(line, 'request failed');
        else logger.info(line, 'request completed');
      });
    }
    requestContext.run({ reqId }, next);
  };
}

/** Nest's own logging (start-up, controllers' Logger instances) through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes (message, ...optionalParams, context); objects (e.g. `{ err }`) are merged into the line. */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    for (const extra of rest) if (extra && typeof extra === 'object') Object.assign(fields, extra);
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (message && typeof message === 'object') {
      const { msg, ...objectFields } = message as Record<string, unknown>;
      this.logger[level]({ ...fields, ...objectFields }, typeof msg === 'string' ? msg : undefined);
    } else this.logger[level](fields, String(message));
  }
}
