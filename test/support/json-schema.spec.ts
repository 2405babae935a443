import { JsonSchema, validate } from './json-schema';

/** The validator the OpenAPI test checks real responses with: it must fail where a response is wrong. */
describe('validate (JSON Schema subset)', () => {
  // Shaped like the document: a component, a Page wrapped with allOf, nullable fields both ways zod writes them.
  const document = {
    components: {
      schemas: {
        Page: {
          type: 'object',
          required: ['items', 'total', 'page', 'pageSize'],
          properties: { items: { type: 'array', items: { type: 'object' } }, total: { type: 'integer' }, page: { type: 'integer' }, pageSize: { type: 'integer' } },
        },
        Thing: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            note: { type: ['string', 'null'] },
            at: { type: 'string', format: 'date-time' },
            seenAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
            kind: { type: 'string', enum: ['a', 'b'] },
            tags: { type: 'array', items: { type: 'string' } },
            details: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
          },
          required: ['id', 'note', 'at', 'seenAt', 'kind', 'tags', 'details'],
          additionalProperties: false,
        },
      },
    },
  };
  const thing: JsonSchema = { $ref: '#/components/schemas/Thing' };
  const page: JsonSchema = {
    allOf: [{ $ref: '#/components/schemas/Page' }, { type: 'object', properties: { items: { type: 'array', items: thing } } }],
  };
  const good = { id: '1', note: null, at: '2030-01-02T03:04:05.678Z', seenAt: null, kind: 'a', tags: ['x'], details: { count: 2 } };
  const check = (schema: JsonSchema, value: unknown) => validate(schema, value, document);

  it('accepts conforming values, nulls where the type allows them, and any details', () => {
    expect(check(thing, good)).toEqual([]);
    expect(check(thing, { ...good, note: 'n', seenAt: '2030-01-02T03:04:05+02:00', details: {} })).toEqual([]);
    expect(check(page, { items: [good, good], total: 2, page: 1, pageSize: 20 })).toEqual([]);
  });

  it('rejects wrong types, naming where', () => {
    expect(check(thing, { ...good, id: 1 })).toEqual([{ path: '/id', message: 'expected string, got integer' }]);
    expect(check(thing, { ...good, tags: ['x', 2] })).toEqual([{ path: '/tags/1', message: 'expected string, got integer' }]);
    expect(check(thing, { ...good, note: 5 })).toEqual([{ path: '/note', message: 'expected string or null, got integer' }]);
    expect(check(thing, [good])).toEqual([{ path: '', message: 'expected object, got array' }]);
    expect(check(page, { items: [good], total: '1', page: 1, pageSize: 1.5 }).map((i) => i.path)).toEqual(['/total', '/pageSize']);
    expect(check(page, { items: [{ ...good, kind: 'c' }], total: 1, page: 1, pageSize: 20 })).toEqual([
      { path: '/items/0/kind', message: 'expected one of ["a","b"], got "c"' },
    ]);
  });

  it('rejects missing required fields and undocumented ones (a leaked secret fails)', () => {
    const { note: _, ...withoutNote } = good;
    expect(check(thing, withoutNote)).toEqual([{ path: '/note', message: 'is required but missing' }]);
    expect(check(thing, { ...good, secretHash: '$argon2id$...' })).toEqual([{ path: '/secretHash', message: 'is not a documented property' }]);
    // An inherited name is not a present property.
    expect(check({ type: 'object', required: ['toString'] }, {})).toEqual([{ path: '/toString', message: 'is required but missing' }]);
  });

  it('checks date-times and anyOf', () => {
    expect(check(thing, { ...good, at: '2030-01-02' })).toEqual([{ path: '/at', message: 'expected an RFC 3339 date-time, got "2030-01-02"' }]);
    expect(check(thing, { ...good, at: '2030-13-45T99:00:00Z' })).toHaveLength(1);
    expect(check(thing, { ...good, seenAt: 'yesterday' })).toEqual([{ path: '/seenAt', message: expect.stringMatching(/^matches none of anyOf/) }]);
    expect(check(thing, { ...good, seenAt: 0 })).toHaveLength(1);
  });

  it('fails loudly on what it does not understand instead of passing', () => {
    expect(() => check({ type: 'object', dependentRequired: { a: ['b'] } }, {})).toThrow(/unsupported JSON Schema keyword "dependentRequired"/);
    expect(() => check({ type: 'string', format: 'email' }, 'a@b.c')).toThrow(/unsupported format/);
    expect(() => check({ $ref: '#/components/schemas/Missing' }, {})).toThrow(/points at nothing/);
    expect(() => check({ $ref: 'https://example.org/schema' }, {})).toThrow(/only local/);
    expect(() => check({ type: 'text' }, 'x')).toThrow(/unknown type/);
  });
});
