import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { toApiError } from './api-error';

describe('toApiError', () => {
  it.each([
    [DomainError.notFound('x'), 404],
    [DomainError.conflict('x'), 409],
    [DomainError.forbidden('x'), 403],
    [DomainError.invalid('x'), 400],
    [DomainError.precondition('x'), 409],
    [DomainError.quota('x'), 413],
    [DomainError.unauthorized('x'), 401],
    [DomainError.tooManyRequests('x'), 429],
  ])('maps %s to %i with its code', (err, status) => {
    const mapped = toApiError(err, 'req-1');
    expect(mapped.status).toBe(status);
    expect(mapped.body).toEqual({ code: err.code, message: 'x', requestId: 'req-1' });
    expect(mapped.internal).toBe(false);
  });

  it('sets Retry-After when a 429 knows it', () => {
    expect(toApiError(DomainError.tooManyRequests('slow down', { retryAfterSeconds: 41.2 }), 'r').headers).toEqual({ 'Retry-After': '42' });
    expect(toApiError(DomainError.tooManyRequests('slow down'), 'r').headers).toEqual({});
  });

  it('turns a service INVALID naming a field into an issue, and keeps schema issues as they are', () => {
    expect(toApiError(DomainError.invalid('email is not a valid address', { field: 'email' }), 'r').body.details).toEqual({
      field: 'email',
      issues: [{ path: 'email', message: 'email is not a valid address' }],
    });
    const issues = [{ path: 'a', message: 'b' }];
    expect(toApiError(DomainError.invalid('invalid request body', { issues }), 'r').body.details).toEqual({ issues });
  });

  it('maps body-parser errors and Nest HttpExceptions by status', () => {
    expect(toApiError(Object.assign(new Error('bad'), { type: 'entity.parse.failed', status: 400, expose: true }), 'r')).toMatchObject({ status: 400, body: { code: 'INVALID' } });
    expect(toApiError(Object.assign(new Error('big'), { type: 'entity.too.large', status: 413, expose: true }), 'r')).toMatchObject({ status: 413, body: { code: 'QUOTA' } });
    expect(toApiError(new NotFoundException('nope'), 'r')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', message: 'nope' } });
    expect(toApiError(new BadRequestException(['a', 'b']), 'r')).toMatchObject({ status: 400, body: { code: 'INVALID', message: 'a; b' } });
  });

  it('hides everything else behind a generic 500 that carries the request id', () => {
    const mapped = toApiError(new Error('connection to 10.0.0.5 refused, password=hunter2'), 'req-9');
    expect(mapped).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal server error', requestId: 'req-9' }, headers: {}, internal: true });
  });
});
