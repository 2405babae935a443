/**
 * The console's one way to the Berth API: typed by schema.d.ts, which `npm run api:client` generates from
 * the server's OpenAPI document. The only module of the web app that calls fetch.
 */
import type { components, paths } from './schema';

export type ApiErrorBody = components['schemas']['ApiError'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths that have an operation for `M`. */
export type PathsWith<M extends Method> = { [P in keyof paths]: paths[P] extends { [K in M]: { responses: unknown } } ? P : never }[keyof paths];

type OperationOf<P extends keyof paths, M extends Method> = paths[P] extends { [K in M]: infer O } ? O : never;

type JsonContent<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;

/** What a successful call answers: the JSON of its 2xx response, or undefined for 204. */
export type ResponseOf<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JsonContent<R[S]> : never }[keyof R] : never;

type PathParams<O> = O extends { parameters: { path: infer P } } ? P : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type BodyOf<O> = O extends { requestBody?: infer RB }
  ? [NonNullable<RB>] extends [never]
    ? never
    : NonNullable<RB> extends { content: { 'application/json': infer B } }
    ? undefined extends RB
      ? B | undefined
      : B
    : never
  : never;

/** Only the options an operation has; `path` and `body` are required where the operation requires them. */
export type RequestOptions<O> = ([PathParams<O>] extends [never] ? { path?: undefined } : { path: PathParams<O> }) &
  ([QueryParams<O>] extends [never] ? { query?: undefined } : { query?: QueryParams<O> }) &
  ([BodyOf<O>] extends [never] ? { body?: undefined } : { body: BodyOf<O> }) & { signal?: AbortSignal };

/** A non-2xx answer, with the console's error body when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

const CSRF_COOKIE = 'berth_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** The CSRF token the server set as a cookie, for the one caller outside this module (api/upload.ts). */
export function csrfToken(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const pair = document.cookie.split('; ').find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return pair ? decodeURIComponent(pair.slice(CSRF_COOKIE.length + 1)) : undefined;
}

function urlOf(template: string, path: Record<string, unknown> | undefined, query: Record<string, unknown> | undefined): string {
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined || value === null) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}

async function request<M extends Method, P extends PathsWith<M>>(method: M, path: P, options?: RequestOptions<OperationOf<P, M>>): Promise<ResponseOf<OperationOf<P, M>>> {
  const opts = (options ?? {}) as { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal };
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'get') {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(urlOf(path, opts.path, opts.query), {
    method: method.toUpperCase(),
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, json as ApiErrorBody | undefined);
  return json as ResponseOf<OperationOf<P, M>>;
}

type Call<M extends Method> = <P extends PathsWith<M>>(
  path: P,
  ...options: RequestOptions<OperationOf<P, M>> extends { path: unknown } | { body: unknown } ? [RequestOptions<OperationOf<P, M>>] : [RequestOptions<OperationOf<P, M>>?]
) => Promise<ResponseOf<OperationOf<P, M>>>;

const call =
  <M extends Method>(method: M): Call<M> =>
  (path, ...options) =>
    request(method, path, options[0]);

/** `api.get('/api/v1/projects/{name}', { path: { name } })`, `api.post('/api/v1/projects', { body: { name } })`. */
export const api = {
  get: call('get'),
  post: call('post'),
  put: call('put'),
  patch: call('patch'),
  delete: call('delete'),
};
