import type pg from 'pg';
import { dbReplicaLag, dbReplicaUp } from './replica.metrics.js';

export interface ReplicaState {
  /** The last probe answered, within `freshMs` of now. */
  up: boolean;
  /** pg_last_wal_replay_lsn() at the last probe; a read routed now sees at least this. */
  replayLsn?: string;
  lagMs: number;
}

const PROBE = `SELECT pg_last_wal_replay_lsn()::text AS replay,
  CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END::float8 AS lag_ms`;

/**
 * Probes the replica every interval (one bounded statement on its own pool): replay position and
 * lag. A probe that fails, or none for `freshMs`, makes the replica "down" until the next answer,
 * so reads fall back to the primary within about a second of the replica stopping.
 * Lag is 0 when everything received is replayed, else the age of the last replayed commit.
 */
export class ReplicaMonitor {
  private last?: { at: number; replayLsn: string; lagMs: number };
  private timer?: NodeJS.Timeout;
  private probing = false;

  constructor(
    private readonly replica: pg.Pool,
    private readonly intervalMs: number,
    /** host:port of the replica (the metrics' label). */
    private readonly name: string,
    private readonly freshMs = 1_000,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  state(now = Date.now()): ReplicaState {
    const last = this.last;
    if (!last || now - last.at > this.freshMs) return { up: false, lagMs: Infinity };
    return { up: true, replayLsn: last.replayLsn, lagMs: last.lagMs };
  }

  /** A read on the replica failed: treat it as down until the next probe answers. */
  markDown(): void {
    this.last = undefined;
    dbReplicaUp.set({ replica: this.name }, 0);
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const { rows } = await this.replica.query<{ replay: string | null; lag_ms: number }>(PROBE);
      // NULL replay position: not a standby (or not streaming yet); never route reads to it.
      if (!rows[0]?.replay) throw new Error('not replaying WAL');
      this.last = { at: Date.now(), replayLsn: rows[0].replay, lagMs: Math.max(0, rows[0].lag_ms) };
      dbReplicaUp.set({ replica: this.name }, 1);
      dbReplicaLag.set({ replica: this.name }, this.last.lagMs / 1000);
    } catch {
      this.markDown();
    } finally {
      this.probing = false;
    }
  }
}
