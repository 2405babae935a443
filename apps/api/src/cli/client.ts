/**
 * What the berth CLI needs of a Berth server: its address, Basic credentials, JSON calls to the console
 * API (`/api/v1`) and the errors it answers (`{code, message, details?}`), turned into exit codes.
 */
import http from 'node:http';
import https from 'node:https';

/** Exit status 1: a job or an export failed. 2: the command line, the credentials or the permissions are wrong. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** A command-line mistake: the usage text follows the message. */
    readonly showUsage = false,
  ) {
    super(message);
  }
}

export interface Server {
  base: URL;
  authorization: string;
}

/** The server from `url` or BERTH_URL, signed in as BERTH_USERNAME / BERTH_PASSWORD; `missingCredentials` is the message when they are not set. */
export function serverFrom(url: string | undefined, missingCredentials = 'set BERTH_USERNAME and BERTH_PASSWORD (a user with a CLI secret or the password, or a robot$… account with its secret)'): Server {
  const raw = url ?? process.env.BERTH_URL ?? 'http://localhost:5000';
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new CliError(`the server address ${JSON.stringify(raw)} is not a URL (set BERTH_URL or --url, e.g. http://localhost:5000)`, 2);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError(`the server address must be http:// or https://, not ${base.protocol}`, 2);
  const username = process.env.BERTH_USERNAME;
  const password = process.env.BERTH_PASSWORD;
  if (!username || !password) throw new CliError(missingCredentials, 2);
  base.pathname = base.pathname.replace(/\/+$/, '');
  return { base, authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

export function urlOf(server: Server, route: string): URL {
  return new URL(`${server.base.href.replace(/\/+$/, '')}/api/v1${route}`);
}

export function transport(url: URL): typeof http {
  return (url.protocol === 'https:' ? https : http) as typeof http;
}

/** The message of an API error body, or the HTTP status text. */
export function apiMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; details?: { issues?: { path?: string; message?: string }[] } };
    const issues = body.details?.issues?.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    if (typeof body.message === 'string') return issues ? `${body.message} (${issues})` : body.message;
  } catch {
    // not JSON: a proxy's page, say
  }
  return `HTTP ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`;
}

/** 401/403 are always exit 2: wrong credentials, or a caller (user or robot) without the permission. */
export function errorFor(what: string, status: number, text: string, otherwise: 1 | 2 = 1): CliError {
  const message = apiMessage(status, text);
  if (status === 401) return new CliError(`${what}: the server refused the credentials (${message}); check BERTH_USERNAME and BERTH_PASSWORD`, 2);
  if (status === 403) return new CliError(`${what}: not allowed (${message})`, 2);
  return new CliError(`${what}: ${message}`, otherwise);
}

/** A JSON call to the console API. */
export async function callJson<T>(server: Server, method: string, route: string, body?: unknown): Promise<{ status: number; body: T; text: string }> {
  let res: Response;
  try {
    res = await fetch(urlOf(server, route), {
      method,
      headers: { authorization: server.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw unreachable(server, err);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text };
}

export function unreachable(server: Server, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new CliError(`cannot reach the Berth server at ${server.base.origin} (${detail}); set BERTH_URL or --url`, 1);
}
