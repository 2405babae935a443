import { Module } from '@nestjs/common';
import { BlobRepository } from './blob.repository';
import { BlobService } from './blob.service';
import { CatalogRepository } from './catalog.repository';
import { ManifestRepository } from './manifest.repository';
import { ManifestService } from './manifest.service';
import { PullRecorder } from './pull-recorder.service';
import { RegistryController } from './registry.controller';
import { UploadRepository } from './upload.repository';
import { UploadService } from './upload.service';

@Module({
  controllers: [RegistryController],
  providers: [BlobRepository, CatalogRepository, ManifestRepository, UploadRepository, BlobService, UploadService, ManifestService, PullRecorder],
  exports: [UploadRepository, PullRecorder],
})
export class RegistryModule {}
