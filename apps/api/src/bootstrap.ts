import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { DataSource } from 'typeorm';
import { jsonBodyErrors, requireJsonBody } from './api/json-body';
import { rejectUnstorableUrl } from './api/storable-url';
import { AppModule } from './app.module';
import { guardConnections } from './common/connection-guard';
import { BerthConfig } from './config/config';
import { createDataSource, runMigrations } from './database/data-source';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { ensureInitialAdmin } from './identity/admin-bootstrap';
import { createRootLogger, NestPinoLogger, requestLogging } from './observability/logging';
import { securityHeaders } from './api/security-headers';
import { trustProxies } from './api/trusted-proxies';

export interface RunningBerth {
  url: string;
  port: number;
  config: BerthConfig;
  dataSource: DataSource;
  /** Graceful: stop accepting, let in-flight requests finish (or abort them after the timeout), flush, close the database, stop Postgres last. */
  close(): Promise<void>;
  /** The routes registered on the HTTP server (method and Express path), for checks such as the OpenAPI document's completeness. */
  routes(): { method: string; path: string }[];
  /** For an impatient second Ctrl-C: no waiting, but the embedded PostgreSQL is still told to stop. */
  abort(): void;
}

/** Paths the built console is served under; everything else unknown falls back to the SPA's index.html. */
const SERVER_PREFIXES = ['/v1', '/v2', '/v3', '/api', '/service', '/metrics', '/healthz', '/readyz'];

export async function startBerth(config: BerthConfig): Promise<RunningBerth> {
  const logger = createRootLogger(config.logLevel);
  const log = logger.child({ context: 'boot' });
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await EmbeddedPostgres.start({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPgPort,
      log: (level, message) => log[level](message),
    });
    databaseUrl = embedded.url;
  }
  const dataSource = createDataSource(databaseUrl);
  try {
    await dataSource.initialize();
    const ran = await runMigrations(dataSource);
    if (ran.length) log.info({ migrations: ran }, 'database migrated');
    const admin = await ensureInitialAdmin(dataSource, config);
    if (admin.created) log.info({ generatedPassword: admin.passwordGenerated }, 'created the initial admin user');
  } catch (err) {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
    throw err;
  }

  const server = express();
  // Before anything reads the client's address or scheme.
  trustProxies(server, config.trustedProxies, (message) => logger.child({ context: 'http' }).warn(message));
  // First of all middleware, so every later log line of a request carries its id.
  server.use(requestLogging(logger));
  // Before any route: a NUL or lone surrogate in a path parameter or query string is bad input, never a database error.
  server.use(rejectUnstorableUrl);
  server.use(securityHeaders);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, dataSource, embedded), new ExpressAdapter(server), {
    // /v2 bodies are blobs and manifests: they are streamed by the handlers, never parsed globally.
    bodyParser: false,
    logger: new NestPinoLogger(logger),
  });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The console API takes small JSON documents; its parse errors answer in the console's error shape.
  app.use('/api', requireJsonBody, express.json({ limit: '2mb' }), jsonBodyErrors);
  serveWebConsole(app, config);
  const http = app.getHttpServer() as Server;
  // Uploads can be slow: no whole-request timeout, but bounds on headers, on stalled bodies and on idle sockets.
  http.requestTimeout = 0;
  http.keepAliveTimeout = 65_000;
  const httpLog = logger.child({ context: 'http' });
  guardConnections(http, {
    ...config.http,
    onBodyTimeout: (req) => httpLog.info({ method: req.method, url: req.url?.split('?')[0] }, 'request body timed out: the client stopped sending'),
  });
  await app.listen(config.port, config.host);

  const inFlight = trackInFlight(http);
  const port = (http.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    dataSource,
    close: () =>
      (closing ??= (async () => {
        http.close();
        http.closeIdleConnections();
        await inFlight.drained(config.shutdownTimeoutMs);
        http.closeAllConnections();
        await app.close();
        await dataSource.destroy().catch(() => undefined);
        await embedded?.stop();
      })()),
    routes: () => registeredRoutes(server),
    abort: () => embedded?.signalStop(),
  };
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

function registeredRoutes(server: express.Express): { method: string; path: string }[] {
  const stack = (server as unknown as { router: { stack: RouterLayer[] } }).router.stack;
  return stack.flatMap(({ route }) =>
    route ? [route.path].flat().flatMap((p) => Object.keys(route.methods).filter((m) => m !== '_all').map((m) => ({ method: m.toUpperCase(), path: p }))) : [],
  );
}

function trackInFlight(server: Server): { drained(timeoutMs: number): Promise<void> } {
  let active = 0;
  let onIdle: (() => void) | undefined;
  server.on('request', (_req, res) => {
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) onIdle?.();
    });
  });
  return {
    drained: (timeoutMs) =>
      new Promise<void>((resolve) => {
        if (active === 0) return resolve();
        const timer = setTimeout(resolve, timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}

function serveWebConsole(app: NestExpressApplication, config: BerthConfig): void {
  const found = config.webDir ?? findWebDist();
  if (!found) return;
  const dir = path.resolve(found);
  const index = path.join(dir, 'index.html');
  const assets = path.join(dir, 'assets') + path.sep;
  const files = express.static(dir, {
    index: false,
    redirect: false,
    cacheControl: false,
    setHeaders: (res, file) => res.setHeader('Cache-Control', cacheControlFor(file)),
  });
  /**
   * Vite names everything under assets/ by its content, so a release never changes a file there: cached
   * for good. index.html names the current assets, so browsers must ask again every time (a 304 when it
   * has not changed). Other files (a favicon) keep their names across releases: cached briefly.
   */
  function cacheControlFor(file: string): string {
    if (file.startsWith(assets)) return 'public, max-age=31536000, immutable';
    if (file === index) return 'no-cache';
    return 'public, max-age=3600';
  }
  // Registered before Nest's routes, so server paths must skip it without touching the disk.
  const isServerPath = (p: string) => SERVER_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path)) return next();
    res.locals.route = '/ (console)';
    files(req, res, () => {
      // A tab opened before a release asks for chunks that are gone: HTML in place of a script would only
      // break it in stranger ways, so a missing asset is a plain 404.
      if (req.path.startsWith('/assets/')) {
        res.status(404).set('Cache-Control', 'no-cache').type('text/plain').send('Not found\n');
        return;
      }
      // Any other path is a page of the single-page app (a deep link or a reload): its index.html.
      res.sendFile(index, { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } });
    });
  });
}

/** The built console (apps/web/dist), found from sources and from dist alike. */
function findWebDist(): string | undefined {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'apps', 'web', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}
