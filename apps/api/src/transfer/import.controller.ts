import { Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { STREAMED_UPLOAD_TYPES } from '../api/json-body';
import { PageQuery } from '../api/pagination';
import { ClientAddress, CurrentActor, RobotsAllowed } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import { DomainError } from '../common/domain-error';
import type { Page } from '../common/paging';
import { ImportJob, ImportJobSummary, ImportNamesBody, StartImportQuery } from './import.dto';
import { ImportService } from './import.service';

/** Archive imports into a project: upload, watch, name. Robots with push may use them, as they may push. */
@ConsoleController('projects')
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  @Post(':name/imports')
  @RobotsAllowed()
  @HttpCode(202)
  @ApiDoc({
    summary: 'Import a docker save or OCI image layout archive (optionally gzip or zstd): answers the job once the upload is read',
    response: ImportJob,
    upload: {
      mediaTypes: STREAMED_UPLOAD_TYPES,
      description: 'The archive itself, streamed (any size): `docker save` (classic or Docker 25+) or an OCI image layout tar, plain or gzip/zstd-compressed',
    },
  })
  start(
    @CurrentActor() actor: Actor,
    @Param('name') name: string,
    @ValidQuery(StartImportQuery) query: StartImportQuery,
    @Req() req: Request,
    @ClientAddress() address: string,
  ): Promise<ImportJob> {
    if (typeof req.is([...STREAMED_UPLOAD_TYPES]) !== 'string') {
      throw DomainError.invalid(`send the archive as the request body with Content-Type ${STREAMED_UPLOAD_TYPES.join(', ')}`);
    }
    const length = Number(req.headers['content-length']);
    return this.imports.start(actor, name, { stream: req, length: Number.isSafeInteger(length) && length >= 0 ? length : undefined, address }, query);
  }

  @Get(':name/imports')
  @RobotsAllowed()
  @ApiDoc({ summary: "List a project's archive imports, newest first", item: ImportJobSummary })
  list(@CurrentActor() actor: Actor, @Param('name') name: string, @ValidQuery(PageQuery) query: PageQuery): Promise<Page<ImportJobSummary>> {
    return this.imports.list(actor, name, query);
  }

  @Get(':name/imports/:id')
  @RobotsAllowed()
  @ApiDoc({ summary: 'Get an archive import: progress, the images and their targets, the tags written or the error', response: ImportJob })
  get(@CurrentActor() actor: Actor, @Param('name') name: string, @Param('id') id: string): Promise<ImportJob> {
    return this.imports.get(actor, name, id);
  }

  @Post(':name/imports/:id/names')
  @RobotsAllowed()
  @HttpCode(202)
  @ApiDoc({ summary: 'Name the images of an import awaiting names (repository relative to the project, or full); the import then continues', response: ImportJob })
  name(
    @CurrentActor() actor: Actor,
    @Param('name') name: string,
    @Param('id') id: string,
    @ValidBody(ImportNamesBody) body: ImportNamesBody,
    @ClientAddress() address: string,
  ): Promise<ImportJob> {
    return this.imports.name(actor, name, id, body, address);
  }
}
