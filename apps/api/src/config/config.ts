import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

// Passwords are taken exactly as given: no trimming, which would silently change them.
const optionalSecret = z
  .string()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Never echoed back in a configuration error. */
const SECRET_VARIABLES = new Set(['BERTH_ADMIN_PASSWORD']);

/**
 * Proxies whose X-Forwarded-For / Forwarded and X-Forwarded-Proto are believed: comma-separated addresses,
 * CIDRs, or Express's names `loopback`, `linklocal`, `uniquelocal`. Empty: none, the socket's address is the client.
 */
const trustedProxies = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
  .superRefine((list, ctx) => {
    for (const entry of list) {
      try {
        proxyAddr.compile(entry);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address, a CIDR, or one of loopback, linklocal, uniquelocal` });
      }
    }
  });

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Every setting Berth reads from the environment; the README's configuration table mirrors this. */
const envSchema = z.object({
  PORT: port(5000),
  HOST: z.string().default('0.0.0.0'),
  BERTH_PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  BERTH_DATA_DIR: z.string().default('data'),
  BERTH_STORAGE_DIR: optionalString,
  BERTH_EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  BERTH_PULL_STATS_FLUSH_SECONDS: z.coerce.number().positive().default(5),
  BERTH_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().default(25),
  BERTH_HEADERS_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  BERTH_BODY_IDLE_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  BERTH_UPLOAD_MAX_BYTES: z.coerce.number().int().positive().optional(),
  BERTH_IMPORT_MAX_BYTES: z.coerce.number().int().positive().optional(),
  // Same minimum as the password policy in identity/user-policy.ts (code points, not UTF-16 units).
  BERTH_ADMIN_PASSWORD: optionalSecret.refine((v) => v === undefined || [...v].length >= 8, 'must be at least 8 characters'),
  BERTH_LOGIN_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  BERTH_LOGIN_FREE_FAILURES: z.coerce.number().int().min(1).optional(),
  /** The name of BERTH_LOGIN_FREE_FAILURES before failures were answered with delays instead of a lock. */
  BERTH_LOGIN_MAX_FAILURES_PER_USER: z.coerce.number().int().min(1).optional(),
  BERTH_LOGIN_DELAY_SECONDS: z.coerce.number().positive().default(60),
  BERTH_LOGIN_MAX_DELAY_SECONDS: z.coerce.number().positive().default(900),
  BERTH_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(30),
  BERTH_REFRESH_TOKEN_DAYS: z.coerce.number().positive().max(3650).default(30),
  BERTH_TRUSTED_PROXIES: trustedProxies,
  BERTH_AUDIT_RETENTION_DAYS: z.coerce.number().min(0).default(365),
  BERTH_GC_GRACE_SECONDS: z.coerce.number().min(0).default(3600),
  BERTH_GC_UPLOAD_MAX_AGE_SECONDS: z.coerce.number().min(0).default(86400),
  BERTH_GC_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
});

export interface BerthConfig {
  port: number;
  host: string;
  publicUrl: string;
  /** False when publicUrl is only the localhost default: token realms then follow the Host the client used. */
  publicUrlConfigured: boolean;
  /** Undefined means: start the embedded PostgreSQL under dataDir/postgres. */
  databaseUrl?: string;
  dataDir: string;
  storageDir: string;
  embeddedPgPort?: number;
  logLevel: (typeof logLevels)[number];
  pullStatsFlushMs: number;
  shutdownTimeoutMs: number;
  http: {
    /** A client must have sent all of a request's headers within this long after it began. */
    headersTimeoutMs: number;
    /** A request body that receives no byte for this long (while the server waits for it) is cut off. */
    bodyIdleTimeoutMs: number;
  };
  uploadMaxBytes?: number;
  /** The largest archive an import accepts, counted after removing gzip/zstd; undefined means no limit. */
  importMaxBytes?: number;
  webDir?: string;
  /** Password for the `admin` user created on first start; undefined means generate one and print it once. */
  adminPassword?: string;
  gc: {
    /** A blob (or orphan file) touched more recently than this is never collected. */
    graceMs: number;
    /** Upload sessions idle for longer than this are swept. */
    uploadMaxAgeMs: number;
    workers: number;
  };
  /** A refresh token unused for this long expires (each use starts the period again). */
  refreshTokenTtlMs: number;
  loginLimits: {
    windowMs: number;
    freeFailures: number;
    firstDelayMs: number;
    maxDelayMs: number;
    maxFailuresPerAddress: number;
  };
  /** Audit events older than this many days are pruned; 0 keeps them for ever. */
  auditRetentionDays: number;
  /** Express `trust proxy`: whose forwarded client address and protocol to believe. Empty: nobody's. */
  trustedProxies: string[];
}

export class ConfigError extends Error {}

/** Parses and validates the environment once at boot; names the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): BerthConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      const shown = SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(env[name] ?? '');
      return `  ${name}=${shown}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.BERTH_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.BERTH_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    publicUrlConfigured: e.BERTH_PUBLIC_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    storageDir: path.resolve(cwd, e.BERTH_STORAGE_DIR ?? path.join(dataDir, 'storage')),
    embeddedPgPort: e.BERTH_EMBEDDED_PG_PORT,
    logLevel: e.LOG_LEVEL,
    pullStatsFlushMs: e.BERTH_PULL_STATS_FLUSH_SECONDS * 1000,
    shutdownTimeoutMs: e.BERTH_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    http: {
      headersTimeoutMs: Math.round(e.BERTH_HEADERS_TIMEOUT_SECONDS * 1000),
      bodyIdleTimeoutMs: Math.round(e.BERTH_BODY_IDLE_TIMEOUT_SECONDS * 1000),
    },
    uploadMaxBytes: e.BERTH_UPLOAD_MAX_BYTES,
    importMaxBytes: e.BERTH_IMPORT_MAX_BYTES,
    adminPassword: e.BERTH_ADMIN_PASSWORD,
    gc: {
      graceMs: e.BERTH_GC_GRACE_SECONDS * 1000,
      uploadMaxAgeMs: e.BERTH_GC_UPLOAD_MAX_AGE_SECONDS * 1000,
      workers: e.BERTH_GC_WORKERS,
    },
    refreshTokenTtlMs: Math.round(e.BERTH_REFRESH_TOKEN_DAYS * 86_400_000),
    loginLimits: {
      windowMs: e.BERTH_LOGIN_WINDOW_MINUTES * 60_000,
      freeFailures: e.BERTH_LOGIN_FREE_FAILURES ?? e.BERTH_LOGIN_MAX_FAILURES_PER_USER ?? 5,
      firstDelayMs: e.BERTH_LOGIN_DELAY_SECONDS * 1000,
      maxDelayMs: Math.max(e.BERTH_LOGIN_MAX_DELAY_SECONDS, e.BERTH_LOGIN_DELAY_SECONDS) * 1000,
      maxFailuresPerAddress: e.BERTH_LOGIN_MAX_FAILURES_PER_ADDRESS,
    },
    trustedProxies: e.BERTH_TRUSTED_PROXIES,
    auditRetentionDays: e.BERTH_AUDIT_RETENTION_DAYS,
  };
}

export const BERTH_CONFIG = Symbol('BERTH_CONFIG');
