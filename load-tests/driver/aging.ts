// Ages the release gate's database before it runs (a database that has lived, not a fresh seed):
// a deterministic writer history through the real API - articles with new tags whose popularity is
// skewed (a few common, many rare), tags that lose all their articles, comments written and
// deleted, favorites given and taken back. Pages of old, rare and empty tags, deep offsets and
// invalidated caches then behave as after weeks in production. Same operations every run (seeded
// PRNG); about 3,500 requests, 20-40 s on this box. Writers are load-test accounts signing in from
// their own loopback addresses (the per-address login limit stays out of the way).
import type { LoadSettings } from '../shared/settings.ts';
import { accountEmail } from '../shared/settings.ts';
import { SourceAddressPool, sendHttp } from './http-client.ts';

export interface AgingOptions {
  baseUrl: string;
  settings: LoadSettings;
  /** Articles the writers publish (default 1500). */
  articles?: number;
  writers?: number;
  concurrency?: number;
  seed?: number;
  log: (line: string) => void;
}

export interface AgingReport {
  profile: 'writer-history';
  articlesCreated: number;
  articlesDeleted: number;
  tagsUsed: number;
  tagsEmptied: number;
  comments: number;
  commentsDeleted: number;
  favoriteToggles: number;
  failedRequests: number;
  seconds: number;
}

/** mulberry32: small deterministic PRNG (same history every run). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface PlannedArticle {
  i: number;
  vu: number;
  tags: string[];
  remove: boolean;
  slug: string;
}

interface PlannedComment {
  a: PlannedArticle;
  vu: number;
  remove: boolean;
  id: number;
}

interface PlannedFavorite {
  a: PlannedArticle;
  vu: number;
  undo: boolean;
}

/** The writers (load-test accounts from their own loopback addresses) and their failed requests. */
class Writers {
  failed = 0;
  private readonly tokens = new Map<number, string>();

  constructor(
    private readonly opts: AgingOptions,
    private readonly pool: SourceAddressPool,
    readonly vus: number[],
  ) {}

  async call(vu: number, method: Method, path: string, body?: unknown) {
    const res = await sendHttp(this.opts.baseUrl, this.pool.agentFor(vu), { method, path, body, auth: true }, this.tokens.get(vu), 10_000);
    if (res.status >= 400 || res.status === 0) this.failed++;
    return res;
  }

  /** Each writer signs in once. */
  async signIn(): Promise<void> {
    await inParallel(this.vus, 4, async (vu) => {
      const res = await this.call(vu, 'POST', '/api/users/login', { user: { email: accountEmail(this.opts.settings, vu), password: this.opts.settings.accountPassword } });
      const token = (res.body as { user?: { token?: string } })?.user?.token;
      if (!token) throw new Error(`aging: writer ${vu} could not sign in (status ${res.status})`);
      this.tokens.set(vu, token);
    });
  }
}

export async function ageDatabase(opts: AgingOptions): Promise<AgingReport> {
  const started = Date.now();
  const random = prng(opts.seed ?? 20261202);
  const pool = new SourceAddressPool({ connectionsPerAddress: 4 });
  // Writers 901.. sit past the gate's own writer personas' first accounts; each signs in once.
  const writers = new Writers(
    opts,
    pool,
    Array.from({ length: opts.writers ?? 12 }, (_, i) => 901 + i),
  );
  const concurrency = opts.concurrency ?? 16;
  try {
    await writers.signIn();
    const plan = planArticles(opts.articles ?? 1500, writers.vus, random);
    await publishArticles(writers, plan, concurrency, started.toString(36));
    const created = plan.filter((a) => a.slug);
    const kept = created.filter((a) => !a.remove);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    const comments = Array.from({ length: 600 }, () => ({ a: pick(kept), vu: pick(writers.vus), remove: random() < 0.25, id: 0 }));
    const removedComments = await writeComments(writers, comments, concurrency);
    // Favorite churn: given, and for half of them taken back.
    const favorites = Array.from({ length: 400 }, () => ({ a: pick(kept), vu: pick(writers.vus), undo: random() < 0.5 }));
    await churnFavorites(writers, favorites, concurrency);
    const removed = created.filter((a) => a.remove);
    await inParallel(removed, concurrency, async (a) => {
      await writers.call(a.vu, 'DELETE', `/api/articles/${encodeURIComponent(a.slug)}`);
    });
    const report = agingReport({ created, kept, removed, comments, removedComments, favorites, failed: writers.failed, started });
    opts.log(
      `aged the database: ${report.articlesCreated} articles (${report.articlesDeleted} deleted, ${report.tagsEmptied} of ${report.tagsUsed} new tags left empty), ${report.comments} comments (${report.commentsDeleted} deleted), ${report.favoriteToggles} favorite changes, ${report.failedRequests} failed requests, ${report.seconds} s`,
    );
    return report;
  } finally {
    await pool.close();
  }
}

/**
 * Skewed tag popularity: aged-0 is common, aged-199 rare. gone-* tags live only on articles
 * deleted later, so they end with no articles at all.
 */
function planArticles(total: number, vus: number[], random: () => number): PlannedArticle[] {
  return Array.from({ length: total }, (_, i) => {
    const tags = [`aged-${Math.floor(random() ** 2 * 200)}`];
    const gone = random() < 0.2;
    if (gone) tags.push(`gone-${i % 60}`);
    if (random() < 0.3) tags.push(`aged-${Math.floor(random() * 200)}`);
    return { i, vu: vus[i % vus.length], tags, remove: gone || random() < 0.05, slug: '' };
  });
}

/** Creates the planned articles; each gets its slug (empty when the create failed). */
async function publishArticles(writers: Writers, plan: PlannedArticle[], concurrency: number, run: string): Promise<void> {
  await inParallel(plan, concurrency, async (a) => {
    const res = await writers.call(a.vu, 'POST', '/api/articles', {
      article: { title: `Aged ${run} ${a.i}`, description: `history ${a.i}`, body: `Written while the site lived (${a.i}).`, tagList: [...new Set(a.tags)] },
    });
    a.slug = (res.body as { article?: { slug?: string } })?.article?.slug ?? '';
  });
}

/** Writes the comments, then deletes the ones planned for removal; returns those. */
async function writeComments(writers: Writers, comments: PlannedComment[], concurrency: number): Promise<PlannedComment[]> {
  await inParallel(comments, concurrency, async (c) => {
    const res = await writers.call(c.vu, 'POST', `/api/articles/${encodeURIComponent(c.a.slug)}/comments`, { comment: { body: 'seen it' } });
    c.id = (res.body as { comment?: { id?: number } })?.comment?.id ?? 0;
  });
  const removed = comments.filter((c) => c.remove && c.id);
  await inParallel(removed, concurrency, async (c) => {
    await writers.call(c.vu, 'DELETE', `/api/articles/${encodeURIComponent(c.a.slug)}/comments/${c.id}`);
  });
  return removed;
}

async function churnFavorites(writers: Writers, favorites: PlannedFavorite[], concurrency: number): Promise<void> {
  await inParallel(favorites, concurrency, async (f) => {
    const path = `/api/articles/${encodeURIComponent(f.a.slug)}/favorite`;
    await writers.call(f.vu, 'POST', path);
    if (f.undo) await writers.call(f.vu, 'DELETE', path);
  });
}

function agingReport(history: {
  created: PlannedArticle[];
  kept: PlannedArticle[];
  removed: PlannedArticle[];
  comments: PlannedComment[];
  removedComments: PlannedComment[];
  favorites: PlannedFavorite[];
  failed: number;
  started: number;
}): AgingReport {
  const tagsUsed = new Set(history.created.flatMap((a) => a.tags));
  const tagsKept = new Set(history.kept.flatMap((a) => a.tags));
  return {
    profile: 'writer-history',
    articlesCreated: history.created.length,
    articlesDeleted: history.removed.length,
    tagsUsed: tagsUsed.size,
    tagsEmptied: [...tagsUsed].filter((t) => !tagsKept.has(t)).length,
    comments: history.comments.filter((c) => c.id).length,
    commentsDeleted: history.removedComments.length,
    favoriteToggles: history.favorites.reduce((n, f) => n + (f.undo ? 2 : 1), 0),
    failedRequests: history.failed,
    seconds: Math.round((Date.now() - history.started) / 100) / 10,
  };
}
