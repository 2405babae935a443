import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiModule } from './api/api.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BERTH_CONFIG, BerthConfig } from './config/config';
import { EMBEDDED_DATABASE, EmbeddedPostgres } from './database/embedded-postgres';
import { HealthController } from './health/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { metricsMiddleware } from './observability/metrics.middleware';
import { MetricsService } from './observability/metrics.service';
import { RegistryModule } from './registry/registry.module';
import { StorageModule } from './storage/storage.module';

/** Configuration and the migrated DataSource are made before Nest starts, and handed in here. */
@Module({})
export class AppModule implements NestModule {
  constructor(private readonly metrics: MetricsService) {}

  static forRoot(config: BerthConfig, dataSource: DataSource, embedded?: EmbeddedPostgres): DynamicModule {
    const core: DynamicModule = {
      module: CoreModule,
      global: true,
      providers: [
        { provide: BERTH_CONFIG, useValue: config },
        { provide: DataSource, useValue: dataSource },
        { provide: EMBEDDED_DATABASE, useValue: embedded ?? null },
      ],
      exports: [BERTH_CONFIG, DataSource, EMBEDDED_DATABASE],
    };
    return {
      module: AppModule,
      imports: [core, AuditModule, StorageModule, RegistryModule, AuthModule, ApiModule],
      controllers: [HealthController, MetricsController],
      providers: [MetricsService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(metricsMiddleware(this.metrics)).forRoutes('*');
  }
}

@Module({})
class CoreModule {}
