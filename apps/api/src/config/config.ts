import path from 'node:path';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

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
  BERTH_UPLOAD_MAX_BYTES: z.coerce.number().int().positive().optional(),
});

export interface BerthConfig {
  port: number;
  host: string;
  publicUrl: string;
  /** Undefined means: start the embedded PostgreSQL under dataDir/postgres. */
  databaseUrl?: string;
  dataDir: string;
  storageDir: string;
  embeddedPgPort?: number;
  logLevel: (typeof logLevels)[number];
  pullStatsFlushMs: number;
  shutdownTimeoutMs: number;
  uploadMaxBytes?: number;
  webDir?: string;
}

export class ConfigError extends Error {}

/** Parses and validates the environment once at boot; names the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): BerthConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.BERTH_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.BERTH_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir,
    storageDir: path.resolve(cwd, e.BERTH_STORAGE_DIR ?? path.join(dataDir, 'storage')),
    embeddedPgPort: e.BERTH_EMBEDDED_PG_PORT,
    logLevel: e.LOG_LEVEL,
    pullStatsFlushMs: e.BERTH_PULL_STATS_FLUSH_SECONDS * 1000,
    shutdownTimeoutMs: e.BERTH_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    uploadMaxBytes: e.BERTH_UPLOAD_MAX_BYTES,
  };
}

export const BERTH_CONFIG = Symbol('BERTH_CONFIG');
