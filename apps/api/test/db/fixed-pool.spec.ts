import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_POOL } from '../../src/database/database.module.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Pattern "small fixed pool" (DB_POOL_MIN unset = DB_POOL_MAX; libs/config/src/app-config.schema.ts):
 * the connections a burst needs stay open after it, so the next burst finds warm connections
 * instead of opening cold ones (a new PostgreSQL backend plans every statement again) exactly
 * when the database is busiest. In the 1000-user release gate a pool of 20 that shrank when idle
 * opened 55 connections during one run; the fixed pool of 6 opened them once.
 * A burst is made deterministic by holding every connection on an advisory lock the test owns.
 * The contrast case (DB_POOL_MIN=1, a pool that shrinks) shows the check would see churn.
 */
const POOL_MAX = 4;
const HOLD_LOCK = 42_4343;
const IDLE_TIMEOUT_MS = 1_000;

describe('database pool sizing (real PostgreSQL)', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  /** Opens every connection at once (all wait on the test's lock), then lets them go. */
  async function burst(pool: pg.Pool): Promise<Set<number>> {
    const owner = new pg.Client({ connectionString: t!.db.url });
    await owner.connect();
    await owner.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    const holds = Array.from({ length: POOL_MAX }, () => pool.query('SELECT pg_advisory_xact_lock($1)', [HOLD_LOCK]));
    try {
      // Every pooled connection is open and waiting on the lock (not merely being connected).
      const deadline = Date.now() + 30_000;
      let waiting = await backends(owner, true);
      while (waiting.size < POOL_MAX && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        waiting = await backends(owner, true);
      }
      expect({ waiting: waiting.size, total: pool.totalCount }).toEqual({ waiting: POOL_MAX, total: POOL_MAX });
      return waiting;
    } finally {
      await owner.query('SELECT pg_advisory_unlock($1)', [HOLD_LOCK]);
      await Promise.all(holds);
      await owner.end();
    }
  }

  /** Backend PIDs of the app's pool (its own cloned database, its application_name); or only those waiting on a lock. */
  async function backends(client: pg.Client, waitingOnLock = false): Promise<Set<number>> {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ${waitingOnLock ? "AND wait_event_type = 'Lock'" : ''}`,
      [`conduit-${t!.config.INSTANCE_ID}`],
    );
    return new Set(rows.map((r) => r.pid));
  }

  async function backendsNow(): Promise<Set<number>> {
    const client = new pg.Client({ connectionString: t!.db.url });
    await client.connect();
    try {
      return await backends(client);
    } finally {
      await client.end();
    }
  }

  it('by default keeps every connection a burst opened: the next burst reuses the same backends', async () => {
    t = await startTestApp({ DB_POOL_MAX: String(POOL_MAX), DB_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    expect(t.config.DB_POOL_MIN).toBe(POOL_MAX);
    const pool = t.app.get<pg.Pool>(PG_POOL);
    const first = await burst(pool);
    expect(first.size).toBe(POOL_MAX);
    // Three idle timeouts: a shrinking pool would have closed all but its minimum by now (a busy
    // machine only makes it close later, never earlier, so this wait cannot pass by accident).
    await new Promise((r) => setTimeout(r, 3 * IDLE_TIMEOUT_MS));
    expect(pool.totalCount).toBe(POOL_MAX);
    expect([...(await backendsNow())].sort()).toEqual([...first].sort());
    const second = await burst(pool);
    expect([...second].sort()).toEqual([...first].sort());
  });

  it('with DB_POOL_MIN below the maximum, the pool shrinks when idle and the next burst opens new backends', async () => {
    t = await startTestApp({ DB_POOL_MAX: String(POOL_MAX), DB_POOL_MIN: '1', DB_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    const pool = t.app.get<pg.Pool>(PG_POOL);
    const first = await burst(pool);
    const deadline = Date.now() + 30_000;
    while (pool.totalCount > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pool.totalCount).toBe(1);
    const second = await burst(pool);
    const opened = [...second].filter((pid) => !first.has(pid));
    expect(opened.length).toBe(POOL_MAX - 1);
  });
});
