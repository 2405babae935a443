import { ArgumentsHost, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { ApiExceptionFilter } from './api-exception.filter';

function fakeHost(requestId = 'req-42') {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => void (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: unknown) => void (sent.body = body),
    destroy: jest.fn(),
  };
  const req = { id: requestId, method: 'POST', path: '/api/v1/projects' };
  const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  return { host, sent, res };
}

describe('ApiExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers domain errors in the console shape without logging them', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = fakeHost();
    new ApiExceptionFilter().catch(DomainError.tooManyRequests('slow down', { retryAfterSeconds: 30 }), host);
    expect(sent).toEqual({
      status: 429,
      body: { code: 'TOO_MANY_REQUESTS', message: 'slow down', details: { retryAfterSeconds: 30 }, requestId: 'req-42' },
      headers: { 'Retry-After': '30', 'Cache-Control': 'no-store' },
    });
    expect(log).not.toHaveBeenCalled();
  });

  it('logs a 5xx in full with the request id, and tells the client only that id', () => {
    const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = fakeHost('req-7');
    const failure = new Error('relation "projekt" does not exist');
    new ApiExceptionFilter().catch(failure, host);
    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ code: 'INTERNAL', message: 'internal server error', requestId: 'req-7' });
    expect(log).toHaveBeenCalledWith(expect.objectContaining({ err: failure, requestId: 'req-7' }));
  });

  it('cuts the connection when the response had already started', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent, res } = fakeHost();
    res.headersSent = true;
    new ApiExceptionFilter().catch(new Error('late'), host);
    expect(res.destroy).toHaveBeenCalled();
    expect(sent.status).toBeUndefined();
  });
});
