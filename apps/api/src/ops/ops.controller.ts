import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser, OpsOverview } from '@conduit/contracts';
import { CurrentUser } from '../auth/auth.decorators.js';
import { ApiDocs } from '../docs/api-docs.decorators.js';
import { OpsService } from './ops.service.js';

/** The /ops page's data: signed-in operators only (401 without a token, 403 for everyone else). */
@ApiTags('Operations')
@Controller('ops')
export class OpsController {
  constructor(private readonly ops: OpsService) {}

  @Get('overview')
  @ApiDocs({ operationId: 'GetOpsOverview', summary: 'Instances, rates, p95, cache, shedding, queues, chat (operators only)', auth: 'required', status: 200, errors: [403] })
  @Header('cache-control', 'no-store')
  overview(@CurrentUser() viewer: AuthUser): Promise<OpsOverview> {
    return this.ops.overviewFor(viewer);
  }
}
