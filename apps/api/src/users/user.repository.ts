import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '@conduit/db';
import { PRISMA } from '../database/database.module.js';
import { rethrowAsDomainError } from '../common/domain-errors.js';

export interface UserRecord {
  id: number;
  email: string;
  username: string;
  passwordHash: string;
  bio: string | null;
  image: string | null;
}

/** All user queries. Lookups use the unique indexes users_email_key / users_username_key / pkey. */
@Injectable()
export class UserRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  findById(id: number): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { username } });
  }

  /** `db`: a transaction client when the caller writes more in the same transaction (outbox). */
  /** Throws UniqueConflict (fields: email and/or username) when either is taken. */
  create(data: { email: string; username: string; passwordHash: string }, db: Prisma.TransactionClient = this.prisma): Promise<UserRecord> {
    return db.user.create({ data }).catch(rethrowAsDomainError);
  }

  /** Throws UniqueConflict (fields: email and/or username) when either is taken. */
  update(id: number, data: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord> {
    return this.prisma.user.update({ where: { id }, data }).catch(rethrowAsDomainError);
  }
}
