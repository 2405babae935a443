import { z } from 'zod';
import { DomainError } from '../common/domain-error';
import * as schemas from './schemas';
import { parseOrThrow } from './zod-validation.pipe';

describe('the console API schemas', () => {
  it.each(Object.entries(schemas))('%s describes itself as JSON Schema (for the OpenAPI document)', (_name, schema) => {
    const json = z.toJSONSchema(schema as z.ZodType, { io: 'input' });
    expect(json.type).toBe('object');
  });

  it('reports every problem as { path, message }', () => {
    let error: unknown;
    try {
      parseOrThrow(schemas.CreateRobotBody, { name: '', permissions: ['pull', 'fly'], surprise: 1 }, 'request body');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('INVALID');
    expect((error as DomainError).message).toBe('invalid request body');
    const issues = (error as DomainError).details?.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'name', 'permissions.1']);
    for (const issue of issues) expect(issue.message).toEqual(expect.any(String));
  });

  it('pages with page (1-based) and page_size (default 20, at most 100)', () => {
    expect(parseOrThrow(schemas.PageQuery, {})).toEqual({ page: 1, pageSize: 20 });
    expect(parseOrThrow(schemas.UserListQuery, { page: '3', page_size: '100', q: 'ann' })).toEqual({ page: 3, pageSize: 100, q: 'ann' });
    for (const bad of [{ page: '0' }, { page_size: '101' }, { page: '1.5' }, { page: ['1', '2'] }, { page_size: 'ten' }]) {
      expect(() => parseOrThrow(schemas.PageQuery, bad)).toThrow(DomainError);
    }
  });
});
