import { Global, Module } from '@nestjs/common';
import { FilesystemDriver, StorageDriver } from '@berth/storage';
import { BERTH_CONFIG, BerthConfig } from '../config/config';

export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');

/** The one storage driver of this process; filesystem by default. */
@Global()
@Module({
  providers: [
    {
      provide: STORAGE_DRIVER,
      inject: [BERTH_CONFIG],
      useFactory: (config: BerthConfig): StorageDriver => new FilesystemDriver({ rootDirectory: config.storageDir }),
    },
  ],
  exports: [STORAGE_DRIVER],
})
export class StorageModule {}
