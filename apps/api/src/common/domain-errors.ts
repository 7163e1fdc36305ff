import { uniqueViolationFields } from '@conduit/db';

/**
 * Domain errors that repositories throw instead of driver errors, so services decide what a
 * conflict means without knowing Prisma or PostgreSQL codes (.dependency-cruiser.cjs keeps
 * services away from @conduit/db).
 */

/** A write hit a unique constraint. `fields`: the taken columns, [] when the driver did not say. */
export class UniqueConflict extends Error {
  constructor(readonly fields: string[]) {
    super(`already taken: ${fields.join(', ') || 'a unique value'}`);
    this.name = 'UniqueConflict';
  }
}

/** For a repository's catch: a unique violation becomes UniqueConflict, anything else is rethrown. */
export function rethrowAsDomainError(error: unknown): never {
  const fields = uniqueViolationFields(error);
  if (fields) throw new UniqueConflict(fields);
  throw error;
}
