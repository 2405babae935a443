import { RequestMethod, Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, MODULE_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { z } from 'zod';
import { API_DOC, ApiDocOptions } from './api-doc';
import { API_PREFIX } from './console-controller';
import { pageFields } from './pagination';
import { ROBOTS_ALLOWED, ROUTE_ACCESS, RouteAccess } from './route-access';
import * as responseSchemas from './responses';
import * as requestSchemas from './schemas';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './session-cookies';
import { ZodValidationPipe } from './zod-validation.pipe';

/**
 * The console API's OpenAPI 3.1 document, generated from the controllers: routes from Nest's route
 * metadata, request bodies and query parameters from the zod schemas the routes validate with, access
 * from @Public()/@AdminOnly()/@RobotsAllowed(), summaries and known response schemas from @ApiDoc(). Served at
 * GET /api/v1/openapi.json and written to apps/web/src/api/ by `npm run api:client`.
 */

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.OPTIONS]: 'options',
  [RequestMethod.HEAD]: 'head',
};

const SAFE_METHODS = new Set(['get', 'head', 'options']);

/** The console controllers (those under /api/v1) of a module and of everything it imports. */
export function consoleControllersOf(root: Type<unknown>): Type<unknown>[] {
  const seen = new Set<unknown>();
  const controllers: Type<unknown>[] = [];
  const visit = (entry: unknown) => {
    if (!entry || seen.has(entry)) return;
    seen.add(entry);
    const dynamic = typeof entry === 'object' && 'module' in entry ? (entry as { module: Type<unknown>; imports?: unknown[]; controllers?: Type<unknown>[] }) : undefined;
    const module = dynamic ? dynamic.module : (entry as Type<unknown>);
    const imports: unknown[] = [...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, module) ?? []), ...(dynamic?.imports ?? [])];
    const own: Type<unknown>[] = [...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module) ?? []), ...(dynamic?.controllers ?? [])];
    for (const controller of own) if (isConsoleController(controller) && !controllers.includes(controller)) controllers.push(controller);
    for (const imported of imports) visit(imported);
  };
  visit(root);
  return controllers;
}

export function isConsoleController(controller: Type<unknown>): boolean {
  const paths = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
  return paths.some((p) => trimSlashes(p) === API_PREFIX || trimSlashes(p).startsWith(`${API_PREFIX}/`));
}

export function buildOpenApiDocument(controllers: Type<unknown>[]): JsonSchema {
  const schemaNames = new Map<unknown, string>(Object.entries(requestSchemas).map(([name, schema]) => [schema, name]));
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, Operation>> = {};
  const operationIds = new Set<string>();

  // Named response schemas are converted together, so one nested in another is a $ref to its component, not a copy.
  const responses = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(responseSchemas) as [string, z.ZodType][]) responses.add(schema, { id: name });
  const named = z.toJSONSchema(responses, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}`, override: datesAsStrings })
    .schemas as Record<string, JsonSchema>;
  for (const [name, { $schema: _, $id: __, ...schema }] of Object.entries(named)) components[name] = schema;

  /** A named request schema becomes a component, anything else is inlined. */
  const bodySchema = (schema: z.ZodType): JsonSchema => {
    const name = schemaNames.get(schema);
    if (!name) return toJsonSchema(schema, 'input');
    components[name] ??= toJsonSchema(schema, 'input');
    return { $ref: `#/components/schemas/${name}` };
  };

  /** A named response schema (api/responses.ts) is a $ref to its component; anything else is inlined, with $refs to named ones inside. */
  const responseSchema = (schema: z.ZodType): JsonSchema => {
    const id = responses.get(schema)?.id;
    if (id) return { $ref: `#/components/schemas/${id}` };
    const { $defs: _, ...json } = toJsonSchema(schema, 'output', responses);
    // Every definition is a named component already.
    return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'));
  };

  for (const controller of controllers) {
    const controllerPaths = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    const controllerAccess = Reflect.getMetadata(ROUTE_ACCESS, controller) as RouteAccess | undefined;
    const controllerRobots = Reflect.getMetadata(ROBOTS_ALLOWED, controller) as boolean | undefined;
    const prototype = controller.prototype as Record<string, unknown>;
    for (const methodName of Object.getOwnPropertyNames(prototype)) {
      if (methodName === 'constructor') continue;
      const handler = prototype[methodName];
      if (typeof handler !== 'function') continue;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const routePaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (requestMethod === undefined || routePaths === undefined) continue;
      const method = HTTP_METHODS[requestMethod];
      if (!method) throw new Error(`OpenAPI: ${controller.name}.${methodName} uses an HTTP method the document cannot describe`);
      const doc = Reflect.getMetadata(API_DOC, handler) as ApiDocOptions | undefined;
      const access = (Reflect.getMetadata(ROUTE_ACCESS, handler) as RouteAccess | undefined) ?? controllerAccess ?? 'authenticated';
      const robots = (Reflect.getMetadata(ROBOTS_ALLOWED, handler) as boolean | undefined) ?? controllerRobots ?? false;
      const httpCode = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;

      let query: z.ZodType | undefined;
      let body: z.ZodType | undefined;
      for (const [key, arg] of Object.entries(args)) {
        const type = Number(key.split(':')[0]);
        const pipe = arg.pipes?.find((p): p is ZodValidationPipe<z.ZodType> => p instanceof ZodValidationPipe);
        if (!pipe) continue;
        if (type === RouteParamtypes.QUERY) query = pipe.schema;
        if (type === RouteParamtypes.BODY) body = pipe.schema;
      }

      for (const controllerPath of controllerPaths) {
        for (const routePath of [routePaths].flat()) {
          const path = openApiPath(controllerPath, routePath);
          const operationId = uniqueId(operationIds, `${lowerFirst(controller.name.replace(/Controller$/, ''))}${upperFirst(methodName)}`);
          const summary = doc?.summary ?? humanize(methodName);
          const parameters: JsonSchema[] = pathParameters(path);
          let paged = false;
          if (query) {
            const { parameters: queryParameters, paged: isPaged } = queryParametersOf(query);
            parameters.push(...queryParameters);
            paged = isPaged;
          }
          const status = httpCode ?? (method === 'post' ? 201 : 200);
          const operation: Operation = {
            operationId,
            summary,
            tags: [tagOf(path)],
            'x-berth-access': access,
          };
          if (robots) operation['x-berth-robots'] = true;
          if (parameters.length) operation.parameters = parameters;
          if (body) operation.requestBody = { required: true, content: { 'application/json': { schema: bodySchema(body) } } };
          if (doc?.upload) {
            const content = Object.fromEntries(doc.upload.mediaTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]));
            operation.requestBody = { required: true, description: doc.upload.description, content };
          }
          operation.responses = {
            [String(status)]: successResponse(status, summary, doc, paged, responseSchema),
            ...errorResponses(access, Boolean(query || body)),
          };
          operation.security = securityOf(access, method);
          (paths[path] ??= {})[method] = operation;
        }
      }
    }
  }

  paths['/service/token'] = { get: tokenOperation() };

  const sortedPaths = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((p) => [p, Object.fromEntries(Object.keys(paths[p]).sort().map((m) => [m, paths[p][m]]))]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth console API',
      version: '1',
      description:
        'The console REST API of Berth under /api/v1, generated from the server code. Errors answer `ApiError`; lists answer `{ items, total, page, pageSize }` and repeat the total in `X-Total-Count`. ' +
        'Browsers authenticate with the session cookie (and, on unsafe methods, the CSRF token in a header); other clients with HTTP Basic credentials.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.values(sortedPaths).flatMap((item) => Object.values(item).flatMap((op) => op.tags as string[])))].sort().map((name) => ({ name })),
    paths: sortedPaths,
    components: {
      schemas: {
        ApiError: API_ERROR_SCHEMA,
        Page: PAGE_SCHEMA,
        ...Object.fromEntries(Object.keys(components).sort().map((name) => [name, components[name]])),
      },
      parameters: pageParameters(),
      responses: {
        Error: { description: 'The console error body', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } },
      },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The console session, set by POST /api/v1/auth/login.' },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: CSRF_HEADER,
          description: `With the session cookie, unsafe methods (POST, PUT, PATCH, DELETE) must repeat the \`${CSRF_COOKIE}\` cookie (also returned by login as \`csrfToken\`) in this header.`,
        },
        basic: {
          type: 'http',
          scheme: 'basic',
          description:
            'A username with its password or CLI secret. A robot name (`robot$<project>+<name>`) with its secret only on operations marked `x-berth-robots: true` ' +
            '(archive import and export, as the robot\'s pull and push permissions allow); other operations answer 403 to robots.',
        },
      },
    },
  };
}

const API_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The one error body of the console API.',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: { type: 'string', description: 'NOT_FOUND, CONFLICT, FORBIDDEN, INVALID, PRECONDITION, QUOTA, UNAUTHORIZED, TOO_MANY_REQUESTS or INTERNAL' },
    message: { type: 'string' },
    details: {
      type: 'object',
      additionalProperties: true,
      description: 'Machine-readable specifics; on INVALID, `issues` names every problem.',
      properties: {
        issues: {
          type: 'array',
          items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    requestId: { type: 'string' },
  },
};

const PAGE_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'One page of a list.',
  required: ['items', 'total', 'page', 'pageSize'],
  properties: {
    items: { type: 'array', items: { type: 'object' } },
    total: { type: 'integer' },
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
  },
};

const PAGE_PARAMETER_NAMES: Record<string, string> = { page: 'Page', page_size: 'PageSize' };

function pageParameters(): Record<string, JsonSchema> {
  const schema = toJsonSchema(z.object(pageFields), 'input') as { properties: Record<string, JsonSchema> };
  return Object.fromEntries(
    Object.entries(PAGE_PARAMETER_NAMES).map(([name, component]) => [
      component,
      { name, in: 'query', required: false, description: name === 'page' ? 'The page, 1-based.' : 'Items per page.', schema: schema.properties[name] },
    ]),
  );
}

function queryParametersOf(schema: z.ZodType): { parameters: JsonSchema[]; paged: boolean } {
  const json = toJsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const names = Object.keys(json.properties ?? {});
  const paged = names.includes('page') && names.includes('page_size');
  const parameters = names.map((name) =>
    paged && PAGE_PARAMETER_NAMES[name]
      ? { $ref: `#/components/parameters/${PAGE_PARAMETER_NAMES[name]}` }
      : { name, in: 'query', required: json.required?.includes(name) ?? false, schema: json.properties![name] },
  );
  return { parameters, paged };
}

function successResponse(
  status: number,
  summary: string,
  doc: ApiDocOptions | undefined,
  paged: boolean,
  describe: (schema: z.ZodType) => JsonSchema,
): JsonSchema {
  if (status === 204) return { description: 'No content' };
  if (doc?.binary) {
    return {
      description: doc.binary.description,
      headers: { 'Content-Disposition': { description: 'attachment; filename="…": the name to save the download under', schema: { type: 'string' } } },
      content: { [doc.binary.mediaType]: { schema: { type: 'string', format: 'binary' } } },
    };
  }
  let schema: JsonSchema;
  if (doc?.response) schema = describe(doc.response);
  else if (paged && doc?.item) {
    // Page's fields with typed items (not allOf over Page, whose `items` of plain objects would intersect with them).
    schema = {
      type: 'object',
      description: 'One page of a list.',
      required: ['items', 'total', 'page', 'pageSize'],
      properties: { items: { type: 'array', items: describe(doc.item) }, total: { type: 'integer' }, page: { type: 'integer' }, pageSize: { type: 'integer' } },
    };
  }
  else if (paged) schema = { $ref: '#/components/schemas/Page' };
  else schema = { type: 'object', description: summary };
  const answer: JsonSchema = { description: summary, content: { 'application/json': { schema } } };
  if (paged) answer.headers = { 'X-Total-Count': { description: 'The total number of items', schema: { type: 'integer' } } };
  return answer;
}

function errorResponses(access: RouteAccess, validated: boolean): Record<string, JsonSchema> {
  const error = { $ref: '#/components/responses/Error' };
  return {
    ...(validated ? { '400': error } : {}),
    ...(access === 'authenticated' || access === 'admin' ? { '401': error } : {}),
    ...(access === 'admin' ? { '403': error } : {}),
    default: error,
  };
}

function securityOf(access: RouteAccess, method: string): Record<string, string[]>[] {
  if (access === 'credentials-ignored') return [];
  const session: Record<string, string[]> = SAFE_METHODS.has(method) ? { session: [] } : { session: [], csrf: [] };
  const schemes: Record<string, string[]>[] = [session, { basic: [] }];
  return access === 'public' ? [{}, ...schemes] : schemes;
}

function tokenOperation(): Operation {
  return {
    operationId: 'registryToken',
    summary: 'Get a registry bearer token (the Docker token endpoint)',
    description: 'Anonymous or with Basic credentials; the token carries the requested scopes the caller may have. Errors answer in the OCI error envelope, not ApiError.',
    tags: ['registry'],
    parameters: [
      { name: 'service', in: 'query', required: false, schema: { type: 'string' }, description: 'The registry service name (accepted, not checked).' },
      {
        name: 'scope',
        in: 'query',
        required: false,
        style: 'form',
        explode: true,
        schema: { type: 'array', items: { type: 'string' } },
        description: '`repository:<name>:<actions>`; may repeat.',
      },
    ],
    responses: {
      '200': {
        description: 'A signed token',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['token', 'access_token', 'expires_in', 'issued_at'],
              properties: { token: { type: 'string' }, access_token: { type: 'string' }, expires_in: { type: 'integer' }, issued_at: { type: 'string' } },
            },
          },
        },
      },
      '401': { description: 'Invalid credentials (OCI error envelope)' },
      '429': { description: 'Too many failed logins (OCI error envelope)' },
    },
    security: [{}, { basic: [] }],
  };
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', metadata?: z.core.$ZodRegistry<{ id: string }>): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: datesAsStrings, ...(metadata ? { metadata } : {}) }) as JsonSchema;
  return json;
}

/** Response bodies carry Date objects, which JSON turns into ISO 8601 strings. */
function datesAsStrings(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  if (ctx.zodSchema._zod.def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
}

/** `api/v1/projects` + `:name/members` -> `/api/v1/projects/{name}/members`; a wildcard `*path` becomes `{path}`. */
export function openApiPath(...parts: string[]): string {
  const joined = parts.map(trimSlashes).filter(Boolean).join('/');
  return `/${joined}`.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}');
}

function tagOf(path: string): string {
  const first = path.slice(`/${API_PREFIX}/`.length).split('/')[0] ?? '';
  return first.replace(/\.json$/, '') || 'api';
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

function uniqueId(taken: Set<string>, id: string): string {
  let candidate = id;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}${n}`;
  taken.add(candidate);
  return candidate;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `listCliSecrets` -> `List cli secrets`. */
function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return upperFirst(words);
}
