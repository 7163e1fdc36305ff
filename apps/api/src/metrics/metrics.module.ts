import { Module } from '@nestjs/common';
import { DatabaseMetrics } from './database.metrics.js';
import { DependencyMetrics } from './dependency.metrics.js';
import { MetricsController } from './metrics.controller.js';

@Module({ controllers: [MetricsController], providers: [DatabaseMetrics, DependencyMetrics] })
export class MetricsModule {}
