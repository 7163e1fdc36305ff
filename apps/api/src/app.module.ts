import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@conduit/config';
import { AuthModule } from './auth/auth.module.js';
import { ChatModule } from './chat/chat.module.js';
import { RealWorldExceptionFilter } from './common/realworld-exception.filter.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { TrafficModule } from './traffic/traffic.module.js';
import { ReadCacheModule } from './cache/read-cache.module.js';
import { UsersModule } from './users/users.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { ImagesModule } from './images/images.module.js';
import { ProfilesModule } from './profiles/profiles.module.js';
import { ArticlesModule } from './articles/articles.module.js';
import { CommentsModule } from './comments/comments.module.js';
import { TagsModule } from './tags/tags.module.js';
import { OpsModule } from './ops/ops.module.js';

@Module({})
export class AppModule {
  /** The validated config is passed in (loaded once in main.ts or by a test). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LifecycleModule,
        DatabaseModule,
        RedisModule,
        AuthModule,
        TrafficModule,
        ReadCacheModule,
        HealthModule,
        MetricsModule,
        UsersModule,
        JobsModule,
        ImagesModule,
        ChatModule,
        ProfilesModule,
        ArticlesModule,
        CommentsModule,
        TagsModule,
        OpsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: RealWorldExceptionFilter },
      ],
      exports: [APP_CONFIG],
    };
  }
}
