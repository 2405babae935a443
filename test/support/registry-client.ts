import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { adminBasicAuth } from './access';

/** Media types spelled out here so the tests do not depend on the code under test. */
export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  header(name: string): string | undefined;
  json<T = any>(): T;
}

export interface RequestOptions {
  headers?: Record<string, string | number | undefined>;
  body?: Buffer | string;
}

export interface ErrorEntry {
  code: string;
  message: string;
  detail?: any;
}

export function sha256(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/**
 * One HTTP request through node:http, with the path sent exactly as given (no URL normalisation of
 * `..` or `%2e`) and no headers added except Host and, for bodies, Content-Length.
 */
export function httpRequest(baseUrl: string, method: string, rawPath: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const base = new URL(baseUrl);
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[key.toLowerCase()] = value;
  const writes = ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase());
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined && (body || writes)) {
    headers['content-length'] = body?.length ?? 0;
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: all,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          },
          json: () => JSON.parse(all.toString('utf8')),
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Asserts the status and the OCI error envelope's first code; returns the entry for further checks. */
export function expectError(res: HttpResponse, status: number, code: string): ErrorEntry {
  let parsed: { errors?: ErrorEntry[] } | undefined;
  try {
    parsed = res.json();
  } catch {
    parsed = undefined;
  }
  expect({ status: res.status, code: parsed?.errors?.[0]?.code }).toEqual({ status, code });
  expect(typeof parsed!.errors![0].message).toBe('string');
  return parsed!.errors![0];
}

/**
 * Sends the headers (declaring `declaredLength` bytes) and `partial` bytes of a body, then destroys the
 * socket, as a client that crashed or lost its network would. Resolves once the socket is closed;
 * rejects if the server answers instead.
 */
export function sendTruncated(
  baseUrl: string,
  method: string,
  rawPath: string,
  declaredLength: number,
  partial: Buffer,
  headers: Record<string, string> = {},
): Promise<void> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: base.hostname,
      port: base.port,
      method,
      path: rawPath,
      headers: { ...headers, 'content-length': declaredLength },
      agent: false,
    });
    req.on('response', (res) => reject(new Error(`server answered ${res.statusCode} to a truncated body`)));
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.flushHeaders();
    req.write(partial, () => {
      // Give the server a moment to read what was sent before the connection drops.
      setTimeout(() => req.destroy(), 150);
    });
  });
}

/** Polls until `check` stops throwing (or the timeout passes, then rethrows its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Every regular file under `dir`, as paths relative to it, sorted; [] when the directory is missing. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full));
    }
  }
  await walk(dir);
  return out.sort();
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
  /** A descriptor for this manifest, e.g. for an index or a subject. */
  descriptor: Descriptor;
}

export interface PushedImage extends PushedManifest {
  config: Descriptor;
  layers: Descriptor[];
}

export function ociImage(parts: {
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    ...(parts.artifactType ? { artifactType: parts.artifactType } : {}),
    config: parts.config,
    layers: parts.layers,
    ...(parts.subject ? { subject: parts.subject } : {}),
    ...(parts.annotations ? { annotations: parts.annotations } : {}),
  };
}

export function dockerImage(parts: { config: Descriptor; layers: Descriptor[] }): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MT.dockerManifest, config: parts.config, layers: parts.layers };
}

export function ociIndex(manifests: Descriptor[], extra: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    ...(extra.artifactType ? { artifactType: extra.artifactType } : {}),
    manifests,
    ...(extra.subject ? { subject: extra.subject } : {}),
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
}

export function dockerManifestList(manifests: Descriptor[]): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MT.dockerList, manifests };
}

/**
 * A registry client over node:http for one Berth; helpers assert success so tests read as steps.
 * Every request carries `authorization` (by default the test admin's basic credentials; null sends
 * none); a request's own `authorization` header, even undefined, takes its place.
 */
export class RegistryClient {
  readonly authorization: string | undefined;

  constructor(
    readonly url: string,
    authorization: string | null = adminBasicAuth(),
  ) {
    this.authorization = authorization ?? undefined;
  }

  /** The same Berth with other credentials (null: anonymous). */
  as(authorization: string | null): RegistryClient {
    return new RegistryClient(this.url, authorization);
  }

  request(method: string, rawPath: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string | number | undefined> = { authorization: this.authorization };
    for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
    return httpRequest(this.url, method, rawPath, { ...options, headers });
  }

  /** Monolithic POST ?digest=. */
  async pushBlob(name: string, content: Buffer | string, mediaType = 'application/octet-stream'): Promise<Descriptor> {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    const digest = sha256(bytes);
    const res = await this.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw new Error(`blob push to ${name} answered ${res.status}: ${res.body.toString()}`);
    return { mediaType, digest, size: bytes.length };
  }

  /** POST to open an upload session; returns its Location path. */
  async startUpload(name: string): Promise<string> {
    const res = await this.request('POST', `/v2/${name}/blobs/uploads/`);
    if (res.status !== 202) throw new Error(`upload start on ${name} answered ${res.status}: ${res.body.toString()}`);
    return res.header('location')!;
  }

  async pushManifest(name: string, reference: string, manifest: Record<string, unknown> | Buffer, contentType?: string): Promise<PushedManifest> {
    const body = Buffer.isBuffer(manifest) ? manifest : json(manifest);
    const mediaType = contentType ?? String((manifest as Record<string, unknown>).mediaType);
    const res = await this.request('PUT', `/v2/${name}/manifests/${reference}`, { body, headers: { 'content-type': mediaType } });
    if (res.status !== 201) throw new Error(`manifest push to ${name}:${reference} answered ${res.status}: ${res.body.toString()}`);
    const digest = sha256(body);
    return { digest, mediaType, size: body.length, body, descriptor: { mediaType, digest, size: body.length } };
  }

  /** A config blob and one small random layer, then the manifest (OCI unless `docker`), under `reference` (a tag, or its digest when omitted). */
  async pushImage(
    name: string,
    options: { tag?: string; docker?: boolean; platform?: { os: string; architecture: string; variant?: string }; subject?: Descriptor } = {},
  ): Promise<PushedImage> {
    const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
    const configType = options.docker ? MT.dockerConfig : MT.ociConfig;
    const layerType = options.docker ? MT.dockerLayer : MT.ociLayer;
    const config = await this.pushBlob(name, json({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }), configType);
    const layer = await this.pushBlob(name, randomBytes(64), layerType);
    const document = options.docker ? dockerImage({ config, layers: [layer] }) : ociImage({ config, layers: [layer], subject: options.subject });
    const body = json(document);
    const pushed = await this.pushManifest(name, options.tag ?? sha256(body), body, String(document.mediaType));
    return { ...pushed, descriptor: { ...pushed.descriptor, platform }, config, layers: [layer] };
  }

  /** An OCI 1.1 artifact: empty config, one small layer, `artifactType`, and a subject. */
  async pushArtifact(
    name: string,
    subject: Descriptor,
    artifactType: string,
    options: { tag?: string; annotations?: Record<string, string> } = {},
  ): Promise<PushedImage> {
    const config = await this.pushBlob(name, '{}', MT.ociEmpty);
    const layer = await this.pushBlob(name, `payload ${randomBytes(8).toString('hex')}`, 'text/plain');
    const document = ociImage({
      artifactType,
      config,
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: options.annotations,
    });
    const body = json(document);
    const pushed = await this.pushManifest(name, options.tag ?? sha256(body), body, MT.ociManifest);
    return { ...pushed, config, layers: [layer] };
  }
}

/** Data files under a storage root's blobs/ for a digest: 0 before a push, exactly 1 after. */
export async function blobFiles(storageDir: string, digest: string): Promise<string[]> {
  const hex = digest.split(':')[1];
  return (await listFiles(`${storageDir}/blobs`)).filter((f) => f.includes(hex));
}

/** PATCH with `chunks` writes of `size` bytes and no Content-Length, as docker streams a layer. */
export function streamedPatch(baseUrl: string, location: string, authorization: string, chunks: number, size: number): Promise<HttpResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method: 'PATCH', path: location, headers: { authorization, 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, header: (n) => res.headers[n] as string | undefined, json: () => JSON.parse(body.toString()) });
      });
    });
    // The server may answer and close before every chunk is sent: that is the point.
    req.on('error', (err) => (req.headersSent ? undefined : reject(err)));
    let sent = 0;
    const next = (): void => {
      if (sent === chunks) return void req.end();
      sent++;
      if (req.write(randomBytes(size))) next();
      else req.once('drain', next);
    };
    next();
  });
}
