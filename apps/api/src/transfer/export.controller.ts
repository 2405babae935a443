import { Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { repositoryPath } from '../api/repository-path';
import { ClientAddress, CurrentPrincipal, Public, RobotsAllowed } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import { CurrentOrigin, type RequestOrigin } from '../system/request-origin';
import { ArtifactArchiveQuery, ExportBody, ExportQuery } from './export.dto';
import { ExportService, type ArchiveHeaders } from './export.service';

const ARCHIVE_DESCRIPTION =
  'A tar archive, streamed as it is produced (chunked; OCI archives also carry Content-Length). ' +
  'docker: manifest.json, repositories, the config and each layer uncompressed under blobs/sha256/, beside oci-layout and index.json ' +
  '(what Docker 25+ docker save writes; docker load of any version since 1.10 and skopeo docker-archive: read it). ' +
  'oci: an OCI image layout with the blobs as stored (every platform of an index). ' +
  'Errors found before the first byte answer ApiError; a failure after it cuts the download short.';

/**
 * Archive downloads. Anyone may call them, robots too; the service checks pull permission on every
 * reference (private projects are 404 to outsiders) before the first byte. The single-artifact route sits under the
 * artifact it exports, so ExportModule is registered before RepositoriesModule (see api.module.ts).
 */
@ConsoleController('')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  @Get('projects/:name/repositories/*path/-/artifacts/:reference/archive')
  @ApiDoc({ summary: 'Download an artifact (tag or digest) as an archive for docker load or skopeo (docker or OCI format)', binary: { mediaType: 'application/x-tar', description: ARCHIVE_DESCRIPTION } })
  @Public()
  @RobotsAllowed()
  async archive(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @Param('reference') reference: string,
    @ValidQuery(ArtifactArchiveQuery) query: ArtifactArchiveQuery,
    @CurrentOrigin() origin: RequestOrigin,
    @ClientAddress() address: string,
    @Res() res: Response,
  ): Promise<void> {
    const references = [this.exports.referenceOf(name, repositoryPath(path), reference)];
    const request = { references, format: query.format, platform: query.platform, origin, includeHost: query.registry_host };
    await this.exports.export({ principal, address }, request, (headers) => startDownload(res, headers));
  }

  @Get('exports')
  @ApiDoc({ summary: 'Download several images as one archive (a link a browser can follow: repeat ref=)', binary: { mediaType: 'application/x-tar', description: ARCHIVE_DESCRIPTION } })
  @Public()
  @RobotsAllowed()
  async exportLink(
    @CurrentPrincipal() principal: Principal,
    @ValidQuery(ExportQuery) query: ExportQuery,
    @CurrentOrigin() origin: RequestOrigin,
    @ClientAddress() address: string,
    @Res() res: Response,
  ): Promise<void> {
    const request = { references: query.ref, format: query.format, platform: query.platform, origin, includeHost: query.registry_host };
    await this.exports.export({ principal, address }, request, (headers) => startDownload(res, headers));
  }

  @Post('exports')
  @HttpCode(200)
  @ApiDoc({ summary: 'Download several images (of one or more repositories) as one archive; shared layers are written once', binary: { mediaType: 'application/x-tar', description: ARCHIVE_DESCRIPTION } })
  @Public()
  @RobotsAllowed()
  async exportMany(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(ExportBody) body: ExportBody,
    @CurrentOrigin() origin: RequestOrigin,
    @ClientAddress() address: string,
    @Res() res: Response,
  ): Promise<void> {
    const request = { references: body.references, format: body.format, platform: body.platform, origin, includeHost: body.registryHost };
    await this.exports.export({ principal, address }, request, (headers) => startDownload(res, headers));
  }
}

/** The download's headers; no body for HEAD (Express routes it here too), so nothing is read from storage. */
function startDownload(res: Response, headers: ArchiveHeaders): Response | null {
  res.status(200);
  res.setHeader('Content-Type', 'application/x-tar');
  res.setHeader('Content-Disposition', `attachment; filename="${headers.fileName}"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Berth-Archive-Format', headers.format);
  if (headers.contentLength !== undefined) res.setHeader('Content-Length', String(headers.contentLength));
  if (res.req.method === 'HEAD') {
    res.end();
    return null;
  }
  return res;
}
