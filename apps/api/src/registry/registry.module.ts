import { Module, OnModuleInit } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorEnvelope, OciErrors } from '@berth/oci';
import { AuthModule } from '../auth/auth.module';
import { HttpAdapterHost } from '@nestjs/core';
import { BlobRepository } from './blob.repository';
import { BlobService } from './blob.service';
import { CatalogRepository } from './catalog.repository';
import { malformedRegistryPath } from './http/malformed-path';
import { ManifestCache } from './manifest-cache';
import { ManifestRepository } from './manifest.repository';
import { ManifestService } from './manifest.service';
import { ProjectQuota } from './project-quota';
import { PullRecorder } from './pull-recorder.service';
import { RegistryAuthGuard } from './registry-auth.guard';
import { RegistryChangeFeed } from './registry-change-feed';
import { RegistryController } from './registry.controller';
import { UploadRepository } from './upload.repository';
import { UploadService } from './upload.service';

@Module({
  imports: [AuthModule],
  controllers: [RegistryController],
  providers: [BlobRepository, CatalogRepository, ManifestRepository, UploadRepository, BlobService, UploadService, ManifestService, ProjectQuota, PullRecorder, RegistryChangeFeed, ManifestCache, RegistryAuthGuard],
  exports: [BlobRepository, UploadRepository, PullRecorder, RegistryChangeFeed, ManifestRepository, CatalogRepository, UploadService, ManifestService],
})
export class RegistryModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Runs after the routes are registered and before Nest's own error handler, which would answer outside the envelope. */
  onModuleInit(): void {
    this.adapterHost.httpAdapter.use(malformedRegistryPath);
    // Other API versions than /v2 (and /v1/search): a registry client gets a 404 it can read, not the console's HTML.
    this.adapterHost.httpAdapter.use(['/v1', '/v3'], (req: Request, res: Response) => {
      res.locals.route = `${req.baseUrl} (unmatched)`;
      res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
      res.status(404).json(errorEnvelope(OciErrors.unsupported(`no such registry endpoint: ${req.method} ${req.originalUrl.split('?')[0].slice(0, 200)}`, undefined, { status: 404 })));
    });
  }
}
