import { LOAD_TEST_EMAIL_DOMAIN, SEED_ARGON2_OPTIONS, SEED_PASSWORD, loadTestUsername, planForScale, seedDatabase } from '@conduit/db';
import { ApiClient, createTestDatabase, type TestDatabase } from '@conduit/testing';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGON2_OPTIONS } from '../../src/auth/password.service.js';
import { ensureBuilt } from '../support/built-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// 1/50 of the default data set: 200 users, 1,000 articles, 4,000 favorites, 2,000 comments, 2,000 follows.
const PLAN = planForScale(0.02);

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** One md5 per table over every row in key order: equal digests = identical data. */
const DIGEST_SQL = [
  'users ORDER BY id',
  'tags ORDER BY id',
  'articles ORDER BY id',
  'article_tags ORDER BY article_id, tag_id',
  'favorites ORDER BY user_id, article_id',
  'follows ORDER BY follower_id, following_id',
  'comments ORDER BY id',
]
  .map((t) => `SELECT '${t.split(' ')[0]}' AS t, md5(string_agg(x::text, '|')) AS d FROM (SELECT * FROM ${t}) x`)
  .join(' UNION ALL ');

describe('db:seed (real PostgreSQL)', () => {
  let db: TestDatabase;
  let other: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    other = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    await other?.drop();
  });

  it('loads exactly the planned rows, with load-test accounts', async () => {
    const result = await seedDatabase(db.url, { plan: PLAN });
    expect(result.status).toBe('seeded');
    expect(result.counts).toMatchObject({ users: 200, articles: 1_000, favorites: 4_000, comments: 2_000, follows: 2_000, tags: PLAN.tags });
    expect(result.counts.article_tags).toBeGreaterThan(1_000);
    const accounts = await query<{ email: string }>(db.url, `SELECT email FROM users WHERE email LIKE '%@${LOAD_TEST_EMAIL_DOMAIN}' ORDER BY id`);
    expect(accounts).toHaveLength(200); // capped by the number of users at this scale
    expect(accounts[0].email).toBe('loadtest-0001@load.test');
  });

  it('keeps favorites_count and tag_list consistent with favorites and article_tags', async () => {
    const [counts] = await query<{ n: number }>(
      db.url,
      `
      SELECT count(*)::int AS n FROM articles a
       WHERE a.favorites_count <> (SELECT count(*) FROM favorites f WHERE f.article_id = a.id)`,
    );
    expect(counts.n).toBe(0);
    const [tags] = await query<{ n: number }>(
      db.url,
      `
      SELECT count(*)::int AS n FROM articles a
       WHERE ARRAY(SELECT unnest(a.tag_list) ORDER BY 1) IS DISTINCT FROM
             ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY 1)`,
    );
    expect(tags.n).toBe(0);
    // Realistic shape: popularity is skewed, and rows reference existing rows only (FKs held).
    const [shape] = await query<{ max: number; total: number; self: number }>(
      db.url,
      `SELECT max(favorites_count)::int AS max, sum(favorites_count)::int AS total,
              (SELECT count(*)::int FROM follows WHERE follower_id = following_id) AS self FROM articles`,
    );
    expect(shape.total).toBe(4_000);
    expect(shape.max).toBeGreaterThan(10 * (4_000 / 1_000));
    expect(shape.self).toBe(0);
  });

  it('is deterministic: the same plan gives identical rows in another database', async () => {
    await seedDatabase(other.url, { plan: PLAN });
    expect(await query(other.url, DIGEST_SQL)).toEqual(await query(db.url, DIGEST_SQL));
    const differentSeed = await createTestDatabase();
    try {
      await seedDatabase(differentSeed.url, { plan: { ...PLAN, seed: PLAN.seed + 1 } });
      const a = await query<{ t: string; d: string }>(db.url, DIGEST_SQL);
      const b = await query<{ t: string; d: string }>(differentSeed.url, DIGEST_SQL);
      expect(b.find((r) => r.t === 'articles')!.d).not.toBe(a.find((r) => r.t === 'articles')!.d);
    } finally {
      await differentSeed.drop();
    }
  });

  it('is idempotent: a second run changes nothing; --reset rebuilds the same data', async () => {
    const before = await query(db.url, DIGEST_SQL);
    const again = await seedDatabase(db.url, { plan: PLAN });
    expect(again.status).toBe('already-seeded');
    expect(await query(db.url, DIGEST_SQL)).toEqual(before);
    await query(db.url, `UPDATE users SET bio = 'changed' WHERE id = 1`);
    const reset = await seedDatabase(db.url, { plan: PLAN, reset: true });
    expect(reset.status).toBe('seeded');
    expect(await query(db.url, DIGEST_SQL)).toEqual(before);
  });

  it('refuses to mix seed rows into a database that holds other data, and leaves it untouched', async () => {
    const foreign = await createTestDatabase();
    try {
      await query(foreign.url, `INSERT INTO users (email, username, password_hash, updated_at) VALUES ('a@b.test', 'someone', 'x', now())`);
      await expect(seedDatabase(foreign.url, { plan: PLAN })).rejects.toThrow(/not empty \(users\).*--reset/);
      expect(await query(foreign.url, 'SELECT username FROM users')).toEqual([{ username: 'someone' }]);
    } finally {
      await foreign.drop();
    }
  });

  it('rejects impossible or invalid sizes', () => {
    expect(() => planForScale(0)).toThrow(/scale/);
    expect(() => planForScale(Number.NaN)).toThrow(/scale/);
    expect(() => planForScale(1, { users: -1 })).toThrow(/users/);
    expect(planForScale(1, { users: 3, articles: 1 })).toMatchObject({ favorites: 1, follows: 3, loadTestAccounts: 3 });
  });

  it("hashes with the API's argon2id parameters", () => {
    expect(SEED_ARGON2_OPTIONS).toEqual(ARGON2_OPTIONS);
  });
});

describe('seeded accounts through the real API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await seedDatabase(t.db.url, { plan: planForScale(0.01) });
  });
  afterAll(() => t?.close());

  it('logs in as a load-test account with the documented password, and new rows get fresh ids', async () => {
    const api = new ApiClient(t.url);
    const email = `${loadTestUsername(7)}@${LOAD_TEST_EMAIL_DOMAIN}`;
    const login = await api.post('/api/users/login', { user: { email, password: SEED_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.user.username).toBe('loadtest-0007');
    expect((await api.post('/api/users/login', { user: { email, password: 'wrong-password' } })).status).toBe(401);
    // Sequences were moved past the explicit seed ids: registering does not collide.
    await api.actingAsNewUser('after_seed');
  });
});

describe('npm run db:seed (the built CLI, libs/db/dist/seed.cli.js)', () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const run = (args: string[], databaseUrl: string) =>
    promisify(execFile)(process.execPath, ['libs/db/dist/seed.cli.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl }, timeout: 120_000 });
  let db: TestDatabase;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
  }, 180_000);
  afterAll(() => db?.drop());

  it('seeds at a given scale, prints time and row counts, then skips when already seeded', async () => {
    const first = await run(['--scale=0.01', '--tags=20'], db.url);
    expect(first.stdout).toMatch(/seed seeded in \d+\.\d s; rows: users=100, tags=20, articles=500, article_tags=\d+, favorites=2000, follows=1000, comments=1000/);
    expect(first.stdout).toContain('loadtest-0001..loadtest-0100@load.test, password "loadtest-password"');
    const second = await run(['--scale=0.01'], db.url);
    expect(second.stdout).toContain('already seeded: nothing to do');
    const reset = await run(['--scale=0.01', '--reset', '--articles=50'], db.url);
    expect(reset.stdout).toMatch(/rows: users=100, tags=\d+, articles=50,/);
  }, 120_000);

  it('rejects a bad flag value with exit code 2 and a message naming it', async () => {
    await expect(run(['--favorites=many'], db.url)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--favorites must be a non-negative integer') });
    await expect(run(['--scale=-1'], db.url)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('scale') });
  });
});
