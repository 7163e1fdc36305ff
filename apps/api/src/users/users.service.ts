import { HttpStatus, Injectable } from '@nestjs/common';
import type { User, AuthUser } from '@conduit/contracts';
import { welcomeEmailJob } from '@conduit/queue';
import { JobOutboxRepository } from '../jobs/job-outbox.repository.js';
import { ApiError, notFound, validationError } from '../common/api-errors.js';
import { UniqueConflict } from '../common/domain-errors.js';
import { PasswordService } from '../auth/password.service.js';
import { TokenService } from '../auth/token.service.js';
import { UserRepository, type UserRecord } from './user.repository.js';
import { CacheInvalidation } from '../cache/cache-invalidation.js';
import type { LoginBody, RegisterBody, UpdateUserBody } from './user.schemas.js';

@Injectable()
export class UsersService {
  // A dummy hash to verify against when the email is unknown, so response time does not reveal
  // which emails are registered.
  private dummyHash: Promise<string>;

  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly invalidation: CacheInvalidation,
    private readonly jobs: JobOutboxRepository,
  ) {
    this.dummyHash = passwords.hash('not-a-real-password-0000');
  }

  async register({ user }: RegisterBody): Promise<User> {
    const passwordHash = await this.passwords.hash(user.password);
    try {
      // The welcome email is a background job written with the user in one transaction
      // (transactional outbox): registration never waits for SMTP or the queue Redis, and a
      // committed user always gets the job. Tests: apps/worker/test/email.e2e.spec.ts, outbox.e2e.spec.ts.
      const created = await this.jobs.transaction(async (tx) => {
        const row = await this.users.create({ email: user.email, username: user.username, passwordHash }, tx);
        await this.jobs.add(welcomeEmailJob({ userId: row.id, email: row.email, username: row.username }), tx);
        return row;
      });
      return this.toUser(created);
    } catch (error) {
      throw this.duplicateError(error) ?? error;
    }
  }

  async login({ user }: LoginBody): Promise<User> {
    const found = await this.users.findByEmail(user.email);
    const ok = await this.passwords.verify(found?.passwordHash ?? (await this.dummyHash), user.password);
    if (!found || !ok) throw new ApiError(HttpStatus.UNAUTHORIZED, { 'email or password': ['is invalid'] });
    return this.toUser(found);
  }

  async current(auth: AuthUser): Promise<User> {
    const found = await this.users.findById(auth.id);
    if (!found) throw notFound('user');
    return this.toUser(found);
  }

  async update(auth: AuthUser, { user }: UpdateUserBody): Promise<User> {
    const data: Partial<Omit<UserRecord, 'id'>> = {};
    if (user.email !== undefined) data.email = user.email;
    if (user.username !== undefined) data.username = user.username;
    if (user.bio !== undefined) data.bio = user.bio;
    if (user.image !== undefined) data.image = user.image === '' ? null : user.image;
    if (user.password !== undefined) data.passwordHash = await this.passwords.hash(user.password);
    try {
      const updated = await this.users.update(auth.id, data);
      // Authors and profiles embed username/bio/image: drop every cached copy.
      if (data.username !== undefined || data.bio !== undefined || data.image !== undefined) await this.invalidation.profileChanged();
      return this.toUser(updated);
    } catch (error) {
      throw this.duplicateError(error) ?? error;
    }
  }

  private duplicateError(error: unknown): ApiError | null {
    if (!(error instanceof UniqueConflict)) return null;
    const errors: Record<string, string[]> = {};
    for (const field of error.fields.length ? error.fields : ['email or username']) errors[field] = ['has already been taken'];
    return validationError(errors);
  }

  private async toUser(record: UserRecord): Promise<User> {
    return {
      email: record.email,
      token: await this.tokens.sign({ id: record.id, username: record.username }),
      username: record.username,
      bio: record.bio,
      image: record.image,
    };
  }
}
