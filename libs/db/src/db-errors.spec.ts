import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailableError, uniqueViolationFields } from './db-errors.js';

describe('isDatabaseUnavailableError (503, not 500)', () => {
  it('treats a transaction that could not start in time (Prisma P2028, PostgreSQL slow) as unavailable', () => {
    // The shape Prisma 7 throws (seen in the resilience suite's "PostgreSQL slow" scenario).
    const error = Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028', meta: {}, name: 'PrismaClientKnownRequestError' });
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it('keeps other transaction errors and ordinary failures as 500s', () => {
    expect(isDatabaseUnavailableError(Object.assign(new Error('Transaction API error: Transaction already closed: a commit cannot be executed on a closed transaction.'), { code: 'P2028' }))).toBe(
      false,
    );
    expect(isDatabaseUnavailableError(Object.assign(new Error('Unique constraint failed on the fields: (`email`)'), { code: 'P2002' }))).toBe(false);
    expect(isDatabaseUnavailableError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
  });

  it('recognises connection loss through the cause chain', () => {
    const cause = Object.assign(new Error('Connection terminated unexpectedly'), {});
    expect(isDatabaseUnavailableError(Object.assign(new Error('request failed'), { cause }))).toBe(true);
    expect(isDatabaseUnavailableError(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
  });
});

describe('uniqueViolationFields', () => {
  it("reads the column from PostgreSQL's own 23505 (hand-written SQL through pg)", () => {
    expect(uniqueViolationFields(Object.assign(new Error('duplicate key'), { code: '23505', table: 'articles', constraint: 'articles_slug_key' }))).toEqual(['slug']);
    expect(uniqueViolationFields(Object.assign(new Error('duplicate key'), { code: '23505', table: 'favorites', constraint: 'favorites_pkey' }))).toEqual([]);
  });

  it('is null for anything that is not a unique violation', () => {
    expect(uniqueViolationFields(Object.assign(new Error('fk'), { code: '23503' }))).toBeNull();
    expect(uniqueViolationFields(new Error('plain'))).toBeNull();
  });
});
