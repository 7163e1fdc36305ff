import { Module } from '@nestjs/common';
import { WarmupModule } from '../warmup/warmup.module.js';
import { HealthController } from './health.controller.js';
import { HealthState } from './health-state.js';

@Module({
  imports: [WarmupModule],
  controllers: [HealthController],
  providers: [HealthState],
  exports: [HealthState],
})
export class HealthModule {}
