import { Module } from '@nestjs/common';
import { OpsController } from './ops.controller.js';
import { OpsRepository } from './ops.repository.js';
import { OpsScraper } from './ops-scraper.service.js';
import { OpsService } from './ops.service.js';

@Module({
  controllers: [OpsController],
  providers: [OpsService, OpsRepository, OpsScraper],
})
export class OpsModule {}
