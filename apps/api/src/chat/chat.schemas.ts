import { z } from 'zod';

export const MESSAGE_MAX_CHARS = 2_000;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;
/** Messages a join with `since` replays at most; past it the client pages through REST history. */
export const REPLAY_MAX = 500;

const roomId = z.number({ error: 'must be a room id' }).int('must be a room id').positive('must be a room id').max(2_147_483_647, 'must be a room id');
const messageId = z.number({ error: 'must be a message id' }).int('must be a message id').min(0, 'must be a message id').max(2_147_483_647, 'must be a message id');

// PostgreSQL text cannot hold NUL (\u0000): refused here as invalid input, not left to fail as an internal error
// (found by apps/api/test/security/sql-metacharacters.e2e.spec.ts).
const noNul = (s: string) => !s.includes('\u0000');
export const roomNameSchema = z.string({ error: "can't be blank" }).trim().min(1, "can't be blank").max(64, 'is too long (maximum is 64 characters)').refine(noNul, 'must not contain NUL characters');

/** Message text: kept as typed (no trimming), but whitespace-only counts as empty. Length in characters (code points). */
export const messageBodySchema = z
  .string({ error: "can't be blank" })
  .refine((s) => s.trim().length > 0, "can't be blank")
  .refine((s) => [...s].length <= MESSAGE_MAX_CHARS, `is too long (maximum is ${MESSAGE_MAX_CHARS} characters)`)
  .refine(noNul, 'must not contain NUL characters');

// Socket event payloads (unknown fields rejected, like the REST API).
export const createRoomEvent = z.strictObject({ name: roomNameSchema });
export const joinRoomEvent = z.strictObject({ roomId, since: messageId.optional() });
export const roomEvent = z.strictObject({ roomId });
export const syncRoomEvent = z.strictObject({ roomId, since: messageId });
// clientId: the sender's id for this message, unique per author (a resend with it stores nothing new).
export const sendMessageEvent = z.strictObject({ roomId, body: messageBodySchema, clientId: z.uuid('must be a UUID').optional() });

// REST bodies and queries.
export const createRoomBody = z.strictObject({ room: z.strictObject({ name: roomNameSchema }) });
export const roomIdParam = z.coerce.number({ error: 'must be a room id' }).int('must be a room id').positive('must be a room id').max(2_147_483_647, 'must be a room id');
export const historyQuery = z.strictObject({
  before: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  limit: z.coerce.number().int().min(1).max(HISTORY_MAX_LIMIT).default(HISTORY_DEFAULT_LIMIT),
});

export type HistoryQuery = z.infer<typeof historyQuery>;
export type CreateRoomBody = z.infer<typeof createRoomBody>;

/** Zod issues -> RealWorld `{ field: [messages] }`. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path.at(-1) ?? 'body')];
    const message = issue.code === 'unrecognized_keys' ? 'is not an allowed field' : issue.message;
    for (const key of keys) (errors[key] ??= []).push(message);
  }
  return errors;
}
