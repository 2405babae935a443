import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { All, Controller, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isMethodAllowed, isRegistryError, matchRegistryRoute, MAX_MANIFEST_BYTES, OciErrors, parseDigest, projectOf, RegistryError, RegistryRoute } from '@berth/oci';
import { AuditService } from '../audit/audit.service';
import { BlobService } from './blob.service';
import { ByteRange, etagMatches, parseContentRange, parseRangeHeader, uploadRangeHeader } from './http/ranges';
import { readBodyLimited, requestBody } from './http/request-body';
import { sendFile, sendSegments } from './http/send-file';
import { ManifestService } from './manifest.service';
import { REGISTRY_CALLER, REGISTRY_ROUTE, RegistryCaller } from './registry-access';
import { RegistryAuthGuard } from './registry-auth.guard';
import { RegistryExceptionFilter } from './registry-exception.filter';
import { UploadBody, UploadService, UploadState } from './upload.service';
import { clientAddress } from '../common/client-address';

const MAX_PAGE = 10_000;

/**
 * The OCI Distribution API. Repository names contain slashes, so one catch-all route hands the raw
 * path to the pure router in libs/oci and dispatches on what it finds; each handler is one service call.
 */
@Controller()
@UseFilters(RegistryExceptionFilter)
@UseGuards(RegistryAuthGuard)
export class RegistryController {
  constructor(
    private readonly blobs: BlobService,
    private readonly uploads: UploadService,
    private readonly manifests: ManifestService,
    private readonly audit: AuditService,
  ) {}

  @All(['v2', 'v2/*path'])
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    // The guard has routed the path already (null: no such endpoint).
    const route = (req as Request & Record<symbol, RegistryRoute | null>)[REGISTRY_ROUTE] ?? null;
    if (!route) throw OciErrors.unsupported('no such registry endpoint', undefined, { status: 404 });
    res.locals.route = route.template;
    if (!isMethodAllowed(route.kind, req.method)) throw OciErrors.unsupported(`${req.method} is not supported on ${route.template}`);
    try {
      return await this.dispatch(route, req, res);
    } catch (err) {
      // A write a policy refused (immutable tag, quota): audited like a push the access check refused.
      if (isRegistryError(err) && err.code === 'DENIED' && req.method !== 'GET' && req.method !== 'HEAD' && 'name' in route) {
        const action = req.method === 'DELETE' && route.kind === 'manifest' ? 'delete' : 'push';
        const resource = route.kind === 'manifest' ? `${route.name}${refSuffix(route.reference)}` : route.name;
        this.audit.recordFailure({ ...caller(req).actor, action, resource, projectName: projectOf(route.name), address: clientAddress(req), details: { reason: err.message } });
      }
      throw err;
    }
  }

  private async dispatch(route: RegistryRoute, req: Request, res: Response): Promise<void> {
    switch (route.kind) {
      case 'base':
        return void res.status(200).json({});
      case 'catalog':
        return this.catalogList(req, res);
      case 'tags':
        return this.tagList(route.name, req, res);
      case 'manifest':
        return this.manifest(route, req, res);
      case 'blob':
        return this.blob(route.name, route.digest, req, res);
      case 'uploads':
        return this.startUpload(route.name, req, res);
      case 'upload':
        return this.upload(route.name, route.uploadId, req, res);
      case 'referrers':
        return this.referrers(route.name, route.digest, req, res);
    }
  }

  private async catalogList(req: Request, res: Response): Promise<void> {
    const { n, last } = page(req, 1000);
    const names = await this.manifests.repositories(await caller(req).principal(), n + 1, last);
    const more = names.length > n && n > 0;
    const repositories = names.slice(0, n);
    if (more) res.setHeader('Link', `</v2/_catalog?n=${n}&last=${encodeURIComponent(repositories[n - 1])}>; rel="next"`);
    res.status(200).json({ repositories });
  }

  private async tagList(name: string, req: Request, res: Response): Promise<void> {
    const { n, last } = page(req, MAX_PAGE);
    const found = await this.manifests.tags(name, n + 1, last);
    const tags = found.slice(0, n);
    if (found.length > n && n > 0) res.setHeader('Link', `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(tags[n - 1])}>; rel="next"`);
    res.status(200).json({ name, tags });
  }

  private async manifest(route: Extract<RegistryRoute, { kind: 'manifest' }>, req: Request, res: Response): Promise<void> {
    const { name, reference } = route;
    switch (req.method) {
      case 'PUT': {
        const body = await readBodyLimited(req, MAX_MANIFEST_BYTES);
        const pushed = await this.manifests.push(name, reference, body, req.headers['content-type']);
        this.audit.record({ ...caller(req).actor, action: 'push', resource: `${name}${refSuffix(reference)}`, projectName: projectOf(name), address: clientAddress(req), success: true, details: { digest: pushed.digest } });
        res.setHeader('Location', `/v2/${name}/manifests/${pushed.digest}`);
        res.setHeader('Docker-Content-Digest', pushed.digest);
        if (pushed.subject) res.setHeader('OCI-Subject', pushed.subject);
        return void res.status(201).end();
      }
      case 'DELETE':
        await this.manifests.remove(name, reference);
        this.audit.record({ ...caller(req).actor, action: route.tag ? 'tag.delete' : 'artifact.delete', resource: `${name}${refSuffix(reference)}`, projectName: projectOf(name), address: clientAddress(req), success: true });
        return void res.status(202).end();
      default: {
        const head = req.method === 'HEAD';
        const m = await this.manifests.fetch(name, reference, req.headers.accept, !head);
        if (!head) this.audit.recordPull({ ...caller(req).actor, resource: `${name}${refSuffix(reference)}`, projectName: projectOf(name), address: clientAddress(req) });
        res.setHeader('Content-Type', m.mediaType);
        res.setHeader('Content-Length', m.size);
        res.setHeader('Docker-Content-Digest', m.digest);
        res.setHeader('ETag', `"${m.digest}"`);
        res.status(200);
        return void (head ? res.end() : res.end(m.content));
      }
    }
  }

  private async blob(name: string, digest: string, req: Request, res: Response): Promise<void> {
    if (req.method === 'DELETE') {
      await this.blobs.unlink(name, digest);
      this.audit.record({ ...caller(req).actor, action: 'blob.delete', resource: `${name}@${digest}`, projectName: projectOf(name), address: clientAddress(req), success: true });
      return void res.status(202).end();
    }
    const blob = await this.blobs.describe(name, digest, req.method === 'HEAD');
    const etag = `"${blob.digest}"`;
    // The digest names the content for good, so a cache that has this ETag has these bytes (distribution answers 304 too).
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.setHeader('Docker-Content-Digest', blob.digest);
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'max-age=31536000');
      return void res.status(304).end();
    }
    const ranges = parseRangeHeader(req.headers.range, blob.size);
    if (ranges === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${blob.size}`);
      throw new RegistryError('BLOB_UNKNOWN', 'requested range not satisfiable', { status: 416, detail: { size: blob.size } });
    }
    // Opened before any success header is set, so a blob storage lost fails as a plain, uncacheable 404.
    const file = req.method === 'HEAD' ? undefined : await this.blobs.open(blob);
    const contentType = blob.mediaType ?? 'application/octet-stream';
    // A pushed descriptor chooses the media type: a browser must save the blob, never render it.
    res.setHeader('Content-Disposition', `attachment; filename="${blob.digest.replace(':', '-')}"`);
    res.setHeader('Docker-Content-Digest', blob.digest);
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'max-age=31536000');
    if (ranges && ranges.length > 1) {
      // Several ranges: one multipart/byteranges body, streamed part after part (as Go's ServeContent in distribution).
      const body = multipartByteranges(ranges, blob.size, contentType);
      res.setHeader('Content-Type', `multipart/byteranges; boundary=${body.boundary}`);
      res.setHeader('Content-Length', body.length);
      res.status(206);
      if (!file) return void res.end();
      return sendSegments(file, body.segments, res);
    }
    const range = ranges?.[0];
    res.setHeader('Content-Type', contentType);
    if (range) {
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
      res.setHeader('Content-Length', range.end - range.start + 1);
      res.status(206);
    } else {
      res.setHeader('Content-Length', blob.size);
      res.status(200);
    }
    if (!file) return void res.end();
    await sendFile(file, range ?? { start: 0, end: blob.size - 1 }, res);
  }

  private async startUpload(name: string, req: Request, res: Response): Promise<void> {
    const mount = query(req, 'mount');
    const digest = query(req, 'digest');
    if (mount !== undefined) {
      // Only from a repository the caller may pull: otherwise a mount would copy blobs out of a private project.
      const from = mountSource(query(req, 'from'));
      const readable = from !== undefined && (await caller(req).mayPull(from)) ? from : undefined;
      const result = await this.uploads.mountOrStart(name, parseDigest(mount).digest, readable);
      if ('digest' in result) return blobCreated(res, name, result.digest);
      return uploadAccepted(res, result, 202);
    }
    if (digest !== undefined) {
      const blob = await this.uploads.monolithic(name, digest, requestBody(req) ?? emptyBody());
      return blobCreated(res, name, blob.digest);
    }
    const upload = await this.uploads.start(name);
    return uploadAccepted(res, upload, 202);
  }

  private async upload(name: string, id: string, req: Request, res: Response): Promise<void> {
    switch (req.method) {
      case 'PATCH': {
        const range = parseContentRange(req.headers['content-range']);
        if (range === 'invalid') throw OciErrors.blobUploadInvalid('malformed Content-Range; expected <start>-<end>');
        try {
          const state = await this.uploads.append(name, id, requestBody(req) ?? emptyBody(), range);
          return uploadAccepted(res, state, 202);
        } catch (err) {
          if (isRegistryError(err) && err.status === 416) {
            const state = await this.uploads.status(name, id);
            res.setHeader('Location', uploadLocation(state));
            res.setHeader('Range', uploadRangeHeader(state.size));
          }
          throw err;
        }
      }
      case 'PUT': {
        const digest = query(req, 'digest');
        if (digest === undefined) throw OciErrors.digestInvalid('the digest query parameter is required to finish an upload');
        const blob = await this.uploads.complete(name, id, digest, requestBody(req));
        return blobCreated(res, name, blob.digest);
      }
      case 'DELETE':
        await this.uploads.cancel(name, id);
        return void res.status(204).end();
      default:
        return uploadAccepted(res, await this.uploads.status(name, id), 204);
    }
  }

  private async referrers(name: string, digest: string, req: Request, res: Response): Promise<void> {
    const { index, filtered } = await this.manifests.referrers(name, digest, query(req, 'artifactType'));
    if (filtered) res.setHeader('OCI-Filters-Applied', 'artifactType');
    res.setHeader('Content-Type', index.mediaType);
    res.status(200).end(JSON.stringify(index));
  }
}

/** `:tag` or `@digest`, as people write references. */
function refSuffix(reference: string): string {
  return reference.includes(':') ? `@${reference}` : `:${reference}`;
}

function caller(req: Request): RegistryCaller {
  return (req as Request & Record<symbol, RegistryCaller>)[REGISTRY_CALLER];
}

function query(req: Request, key: string): string | undefined {
  const value = req.query[key];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** `n` and `last` pagination; a missing or malformed `n` means the default page. */
function page(req: Request, fallback: number): { n: number; last?: string } {
  const raw = query(req, 'n');
  const parsed = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  const n = Number.isInteger(parsed) && parsed >= 0 ? Math.min(parsed, MAX_PAGE) : fallback;
  return { n, last: query(req, 'last') || undefined };
}

/** An invalid `from` is treated like none: the client gets a plain upload, as the spec's fallback allows. */
function mountSource(from: string | undefined): string | undefined {
  if (!from) return undefined;
  try {
    return matchRegistryRoute('HEAD', `/v2/${from}/tags/list`) ? from : undefined;
  } catch {
    return undefined;
  }
}

/** The parts of a `multipart/byteranges` body (RFC 9110 §14.6) and its length, known before the first byte is sent. */
function multipartByteranges(ranges: ByteRange[], size: number, contentType: string): { boundary: string; length: number; segments: (Buffer | ByteRange)[] } {
  const boundary = randomBytes(24).toString('hex');
  const segments: (Buffer | ByteRange)[] = [];
  let length = 0;
  ranges.forEach((range, i) => {
    const head = Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`, 'latin1');
    segments.push(head, range);
    length += head.length + range.end - range.start + 1;
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  segments.push(tail);
  return { boundary, length: length + tail.length, segments };
}

/** An already-ended body, so the write path needs no special case for "no body". */
function emptyBody(): UploadBody {
  return { stream: Readable.from([]), length: 0 };
}

function uploadLocation(state: UploadState): string {
  return `/v2/${state.name}/blobs/uploads/${state.id}`;
}

function uploadAccepted(res: Response, state: UploadState, status: 202 | 204): void {
  res.setHeader('Location', uploadLocation(state));
  res.setHeader('Range', uploadRangeHeader(state.size));
  res.setHeader('Docker-Upload-UUID', state.id);
  res.setHeader('Content-Length', 0);
  res.status(status).end();
}

function blobCreated(res: Response, name: string, digest: string): void {
  res.setHeader('Location', `/v2/${name}/blobs/${digest}`);
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Length', 0);
  res.status(201).end();
}
