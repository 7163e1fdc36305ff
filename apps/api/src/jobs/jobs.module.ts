import { Global, Module } from '@nestjs/common';
import { JobOutboxRepository } from './job-outbox.repository.js';

/** Background jobs as seen from the API: enqueue through the transactional outbox only. */
@Global()
@Module({ providers: [JobOutboxRepository], exports: [JobOutboxRepository] })
export class JobsModule {}
