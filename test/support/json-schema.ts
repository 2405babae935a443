/**
 * A small JSON Schema (2020-12) validator for the subset Berth's OpenAPI document uses, so tests can
 * check real responses against the documented schemas without a validator dependency. A keyword it does
 * not know throws rather than passing silently: a check that ignores part of the schema could not fail.
 */

export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface SchemaIssue {
  /** JSON Pointer into the value (`/items/0/createdAt`), `` for the value itself. */
  path: string;
  message: string;
}

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set(['$schema', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

// RFC 3339 date-time, as JSON.stringify writes a Date (and as any other server might).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Every way `value` breaks `schema`; empty when it conforms. `root` is what `$ref`s (`#/components/...`)
 * point into: the whole OpenAPI document.
 */
export function validate(schema: JsonSchema, value: unknown, root: unknown = schema): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(schema, value, '', root, issues);
  return issues;
}

function check(schema: JsonSchema, value: unknown, at: string, root: unknown, issues: SchemaIssue[]): void {
  if (schema === true) return;
  if (schema === false) {
    issues.push({ path: at, message: 'no value is allowed here' });
    return;
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`not a schema at ${at || '/'}: ${JSON.stringify(schema)}`);
  const fail = (message: string) => issues.push({ path: at, message });

  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case '$ref':
        check(resolve(arg as string, root), value, at, root, issues);
        break;
      case 'type': {
        const types = [arg].flat() as string[];
        for (const t of types) if (!TYPES.has(t)) throw new Error(`unknown type "${t}"`);
        if (!types.some((t) => hasType(value, t))) fail(`expected ${types.join(' or ')}, got ${typeName(value)}`);
        break;
      }
      case 'enum':
        if (!(arg as unknown[]).some((option) => deepEqual(option, value))) fail(`expected one of ${JSON.stringify(arg)}, got ${JSON.stringify(value)}`);
        break;
      case 'const':
        if (!deepEqual(arg, value)) fail(`expected ${JSON.stringify(arg)}, got ${JSON.stringify(value)}`);
        break;
      case 'format':
        if (arg !== 'date-time') throw new Error(`unsupported format "${String(arg)}"`);
        if (typeof value === 'string' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) fail(`expected an RFC 3339 date-time, got ${JSON.stringify(value)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`expected at least ${arg}, got ${value}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail(`expected at most ${arg}, got ${value}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) fail(`expected at least ${arg} characters`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) fail(`expected at most ${arg} characters`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string).test(value)) fail(`expected to match /${arg}/, got ${JSON.stringify(value)}`);
        break;
      case 'required':
        if (isObject(value)) for (const name of arg as string[]) if (!Object.hasOwn(value, name)) issues.push({ path: `${at}/${escape(name)}`, message: 'is required but missing' });
        break;
      case 'properties':
        if (isObject(value)) {
          for (const [name, sub] of Object.entries(arg as Record<string, JsonSchema>)) {
            if (Object.hasOwn(value, name)) check(sub, value[name], `${at}/${escape(name)}`, root, issues);
          }
        }
        break;
      case 'additionalProperties':
        if (isObject(value)) {
          const declared = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
          for (const name of Object.keys(value).filter((n) => !declared.includes(n))) {
            if (arg === false) issues.push({ path: `${at}/${escape(name)}`, message: 'is not a documented property' });
            else check(arg as JsonSchema, value[name], `${at}/${escape(name)}`, root, issues);
          }
        }
        break;
      case 'propertyNames':
        if (isObject(value)) for (const name of Object.keys(value)) check(arg as JsonSchema, name, `${at}/${escape(name)}`, root, issues);
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, i) => check(arg as JsonSchema, item, `${at}/${i}`, root, issues));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail(`expected at least ${arg} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) fail(`expected at most ${arg} items`);
        break;
      case 'allOf':
        for (const sub of arg as JsonSchema[]) check(sub, value, at, root, issues);
        break;
      case 'anyOf': {
        const branches = (arg as JsonSchema[]).map((sub) => validate(sub, value, root).map((i) => ({ ...i, path: at + i.path })));
        if (!branches.some((b) => b.length === 0)) fail(`matches none of anyOf: ${branches.map((b) => b.map((i) => `${i.path || '/'} ${i.message}`).join(', ')).join(' | ')}`);
        break;
      }
      case 'oneOf': {
        const matching = (arg as JsonSchema[]).filter((sub) => validate(sub, value, root).length === 0).length;
        if (matching !== 1) fail(`matches ${matching} of oneOf's schemas, not exactly one`);
        break;
      }
      default:
        throw new Error(`unsupported JSON Schema keyword "${keyword}" at ${at || '/'}`);
    }
  }
}

/** A local reference: `#/components/schemas/Profile`. */
function resolve(ref: string, root: unknown): JsonSchema {
  if (!ref.startsWith('#')) throw new Error(`only local $refs are supported, not ${ref}`);
  const keys = ref.slice(1).split('/').slice(1).map((k) => decodeURIComponent(k).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const key of keys) {
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
    if (node === undefined) throw new Error(`$ref ${ref} points at nothing`);
  }
  return node as JsonSchema;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function escape(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
