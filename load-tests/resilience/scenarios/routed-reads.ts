// Where the API instances sent their stale-tolerant reads: db_routed_reads_total{target,reason}
// (apps/api/src/database/replica/replica.metrics.ts) scraped from every instance every 200 ms and
// summed, so a replica scenario can say when reads left the replica and when they came back.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '../environment.ts';

export interface ReadsScrape {
  /** Date.now() when the scrape finished. */
  at: number;
  /** "target:reason" -> reads, summed over the instances. */
  counts: Record<string, number>;
}

const SCRAPE_EVERY_MS = 200;
const ON_REPLICA = 'replica:ok';
/**
 * Reads the router let past the replica's health and lag checks: served by it, or sent to the
 * primary only because the app's last write had not replayed there yet (read-your-writes). Either
 * says the replica is back in rotation; which of the two a read gets depends on how recently anyone
 * wrote (a steady write load keeps most on the primary).
 */
export const IN_ROTATION = [ON_REPLICA, 'primary:behind_write'] as const;

async function scrapeInstance(url: string): Promise<Record<string, number> | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^db_routed_reads_total\{target="(\w+)",reason="(\w+)"\} (\d+)/gm)) counts[`${m[1]}:${m[2]}`] = Number(m[3]);
    return counts;
  } catch {
    return undefined; // busy or restarting: this scrape is skipped
  }
}

export class RoutedReadsWatch {
  readonly scrapes: ReadsScrape[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly env: Environment) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const per = await Promise.all(this.env.stack.instances.map((h) => scrapeInstance(h.url)));
        if (per.every(Boolean)) {
          const counts: Record<string, number> = {};
          for (const c of per) for (const [k, n] of Object.entries(c!)) counts[k] = (counts[k] ?? 0) + n;
          this.scrapes.push({ at: Date.now(), counts });
        }
        await sleep(SCRAPE_EVERY_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Reads by "target:reason" between the last scrape at or before `from` and the last one at or before `to`. */
  between(from: number, to: number): Record<string, number> {
    const a = this.lastAtOrBefore(from)?.counts ?? {};
    const b = this.lastAtOrBefore(to)?.counts ?? {};
    const out: Record<string, number> = {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if ((b[k] ?? 0) - (a[k] ?? 0) > 0) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
    return out;
  }

  /** ms after `from` of the last scrape (before `to`) that saw a new replica read: 0 if none after `from`. */
  lastOnReplica(from: number, to: number): number {
    let last = 0;
    for (let i = 1; i < this.scrapes.length; i++) {
      const s = this.scrapes[i];
      if (s.at <= from || s.at > to) continue;
      if ((s.counts[ON_REPLICA] ?? 0) > (this.scrapes[i - 1].counts[ON_REPLICA] ?? 0)) last = s.at - from;
    }
    return last;
  }

  /** Waits (up to timeoutMs) for a scrape after `from` that saw a new read under one of `keys`; ms after `from`, or undefined. */
  async firstAfter(from: number, timeoutMs: number, keys: readonly string[] = [ON_REPLICA]): Promise<number | undefined> {
    const sum = (counts: Record<string, number> | undefined) => keys.reduce((n, k) => n + (counts?.[k] ?? 0), 0);
    const base = sum(this.lastAtOrBefore(from)?.counts);
    for (const deadline = from + timeoutMs; ; await sleep(SCRAPE_EVERY_MS)) {
      const hit = this.scrapes.find((s) => s.at > from && sum(s.counts) > base);
      if (hit) return hit.at - from;
      if (Date.now() >= deadline) return undefined;
    }
  }

  private lastAtOrBefore(t: number): ReadsScrape | undefined {
    let found: ReadsScrape | undefined;
    for (const s of this.scrapes) if (s.at <= t) found = s;
    return found ?? this.scrapes[0];
  }
}

/** "replica:ok 120, primary:down 340" (reads in a window, largest first). */
export const fmtReads = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

/** Share of the window's reads served by the replica. */
export const replicaShare = (r: Record<string, number>) => {
  const total = Object.values(r).reduce((a, b) => a + b, 0);
  return total ? (r[ON_REPLICA] ?? 0) / total : 0;
};
