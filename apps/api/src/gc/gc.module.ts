import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { JobsModule } from '../jobs/jobs.module';
import { RegistryModule } from '../registry/registry.module';
import { GcRunRepository } from './gc-run.repository';
import { GcController } from './gc.controller';
import { GcService } from './gc.service';

/** /api/v1/system/gc: online garbage collection (docs/design/storage-lifecycle.md). */
@Module({
  imports: [ConsoleAuthModule, RegistryModule, JobsModule],
  controllers: [GcController],
  providers: [GcRunRepository, GcService],
})
export class GcModule {}
