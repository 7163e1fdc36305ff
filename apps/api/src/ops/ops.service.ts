import { HttpStatus, Injectable } from '@nestjs/common';
import type { AuthUser, OpsOverview } from '@conduit/contracts';
import { ApiError } from '../common/api-errors.js';
import { OpsRepository } from './ops.repository.js';
import { OpsScraper } from './ops-scraper.service.js';

/** The ops overview for operators only: the role is checked on every call (a revoke takes effect at once). */
@Injectable()
export class OpsService {
  constructor(
    private readonly repository: OpsRepository,
    private readonly scraper: OpsScraper,
  ) {}

  async overviewFor(viewer: AuthUser): Promise<OpsOverview> {
    if (!(await this.repository.isOperator(viewer.id))) throw new ApiError(HttpStatus.FORBIDDEN, { ops: ['operators only'] });
    return this.scraper.overview();
  }
}
