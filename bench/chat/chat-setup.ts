import { applyMigrations } from '@conduit/db';
import { SignJWT } from 'jose';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CLIENTS, ROOMS } from './chat-settings.js';

export const SECRET = 'bench-chat-secret-0123456789abcdef';
const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchUser {
  id: number;
  username: string;
  roomId: number;
}

export async function setupDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `conduit_bench_chat_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString(), `${ROOT}prisma/migrations`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** 1000 users, 10 rooms, user i member of room i % ROOMS: inserted directly (no argon2 in the setup). */
export async function seed(url: string): Promise<{ users: BenchUser[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows: users } = await c.query<{ id: number; username: string }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     SELECT 'bench' || g || '@example.test', 'bench' || g, 'x', now() FROM generate_series(1, $1) g RETURNING id, username`,
    [CLIENTS],
  );
  const { rows: rooms } = await c.query<{ id: number }>(`INSERT INTO chat_rooms (name, created_by_id) SELECT 'bench-room-' || g, $2 FROM generate_series(1, $1) g RETURNING id`, [ROOMS, users[0].id]);
  const members = users.map((u, i) => ({ ...u, roomId: rooms[i % rooms.length].id }));
  await c.query(`INSERT INTO chat_members (room_id, user_id) SELECT * FROM unnest($1::int[], $2::int[])`, [members.map((m) => m.roomId), members.map((m) => m.id)]);
  await c.end();
  return { users: members };
}

/** One signed session token per user (HS256, the API's JWT_SECRET), as the API would issue. */
export function signTokens(users: BenchUser[]): Promise<string[]> {
  const key = new TextEncoder().encode(SECRET);
  return Promise.all(users.map((u) => new SignJWT({ username: u.username }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(u.id)).setIssuedAt().setExpirationTime('2h').sign(key)));
}
