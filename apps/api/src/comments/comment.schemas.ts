import { z } from 'zod';

export const createCommentSchema = z.strictObject({
  comment: z.strictObject({
    body: z.string('must be a string').trim().min(1, "can't be blank").max(10_000, 'is too long (maximum is 10000 characters)'),
  }),
});

export type CreateCommentBody = z.infer<typeof createCommentSchema>;

/** Path ids are positive integers that fit PostgreSQL's int4. */
export function parseCommentId(raw: string): number | null {
  if (!/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
}
