import { TagSampler, tagLife, type TagLife } from './lived-in-tags.js';
import { Prng } from './prng.js';
import { iso, seedUserRows, type SeedRows } from './seed-data.js';
import type { SeedPlan } from './seed-plan.js';
import { paragraphs, sentence, slugify, tagNames, title } from './seed-text.js';

// Ten years of history on a fixed calendar (deterministic rows), growing over time.
const DAY = 86_400_000;
const FROM = Date.UTC(2016, 0, 1);
const END = Date.UTC(2026, 0, 1);
const SPAN = END - FROM;
/** Popularity is redrawn per quarter. */
const ERAS = 40;
/** Share of article ids left as gaps (deleted articles), and of comment ids. */
const DELETED_ARTICLES = 0.03;
const DELETED_COMMENTS = 0.02;

/** Readers who follow thousands of authors: the last user ids, with these following counts. */
export function heavyReaderFollowing(users: number): number[] {
  return [Math.min(2_000, Math.floor(users * 0.4)), Math.min(1_000, Math.floor(users * 0.2)), Math.min(500, Math.floor(users * 0.1))];
}

/**
 * The "lived-in" data set (npm run db:seed -- --profile=lived-in): what a site looks like after
 * ten years, with the same skew at any scale.
 * - Articles: growing over time (density ~ t), ids in time order with 3% gaps (deleted rows).
 * - Tags: Zipf popularity that shifts per quarter (lived-in-tags.ts): fading, wave, hot and
 *   empty tags besides evergreen ones.
 * - Authors: Zipf productivity; followers Zipf with exponent 3, so the top authors have tens of
 *   thousands of followers at 1M articles; three readers follow thousands of authors
 *   (heavyReaderFollowing), everyone else a handful (exponential).
 * - Favorites and comments concentrate on popular articles, after the article's date.
 * Deterministic: the same plan always gives byte-identical rows.
 */
export class LivedInData implements SeedRows {
  readonly tagNames: string[];
  private readonly userCreatedAt: Float64Array;
  private readonly articleIds: Int32Array;
  private readonly articleAt: Float64Array;
  private readonly authorOf: Int32Array;
  private readonly favoritesCount: Int32Array;
  private readonly tagStart: Int32Array;
  private readonly tagIds: Int32Array;
  private readonly favorites: { user: Int32Array; article: Int32Array; at: Float64Array };
  private readonly follows: { follower: Int32Array; following: Int32Array; at: Float64Array };
  private readonly comments: { article: Int32Array; author: Int32Array; at: Float64Array };

  constructor(readonly plan: SeedPlan) {
    const { users, articles, tags } = plan;
    this.tagNames = tagNames(tags);
    const rng = new Prng(plan.seed ^ 0x11fe);
    const userByRank = rng.permutation(users);

    this.articleAt = new Float64Array(articles);
    for (let i = 0; i < articles; i++) this.articleAt[i] = FROM + Math.floor(SPAN * Math.sqrt(rng.next()));
    this.articleAt.sort();
    this.articleIds = new Int32Array(articles);
    for (let i = 0, id = 0; i < articles; i++) this.articleIds[i] = id += rng.next() < DELETED_ARTICLES ? 2 + rng.int(3) : 1;
    this.authorOf = new Int32Array(articles);
    for (let i = 0; i < articles; i++) this.authorOf[i] = userByRank[rng.skewed(users, 2.2)] + 1;

    // Users joined over the history; an author joined before their first article.
    this.userCreatedAt = new Float64Array(users + 1);
    for (let id = 1; id <= users; id++) this.userCreatedAt[id] = FROM - 180 * DAY + Math.floor((SPAN + 180 * DAY) * Math.sqrt(rng.next()));
    for (let i = articles - 1; i >= 0; i--) this.userCreatedAt[this.authorOf[i]] = Math.min(this.userCreatedAt[this.authorOf[i]], this.articleAt[i] - DAY);

    const sampler = new TagSampler(tags, ERAS);
    this.tagStart = new Int32Array(articles + 1);
    const flat: number[] = [];
    for (let i = 0; i < articles; i++) {
      this.tagStart[i] = flat.length;
      const era = Math.min(ERAS - 1, Math.floor(((this.articleAt[i] - FROM) / SPAN) * ERAS));
      const want = tags === 0 ? 0 : Math.min(tags, rng.pick([0, 1, 1, 2, 2, 3, 3, 4]));
      for (let n = 0, tries = 0; n < want && tries < want * 10; tries++) {
        const tagId = sampler.draw(rng, era) + 1;
        let dup = false;
        for (let k = this.tagStart[i]; k < flat.length; k++) dup ||= flat[k] === tagId;
        if (dup) continue;
        flat.push(tagId);
        n++;
      }
    }
    this.tagStart[articles] = flat.length;
    this.tagIds = Int32Array.from(flat);

    this.favoritesCount = new Int32Array(articles);
    this.favorites = this.drawFavorites(rng, userByRank);
    this.follows = this.drawFollows(rng, userByRank);
    this.comments = this.drawComments(rng);
  }

  private drawFavorites(rng: Prng, userByRank: Int32Array) {
    const { users, articles, favorites: count } = this.plan;
    const articleByRank = rng.permutation(articles);
    const out = { user: new Int32Array(count), article: new Int32Array(count), at: new Float64Array(count) };
    const seen = new Set<number>();
    for (let n = 0, attempts = 0; n < count; attempts++) {
      if (attempts > count * 50 + 1_000) throw new Error(`could not draw ${count} distinct favorites`);
      const dense = attempts > count * 5;
      const u = dense ? rng.int(users) : userByRank[rng.skewed(users, 1.5)];
      const a = dense ? rng.int(articles) : articleByRank[rng.skewed(articles, 3)];
      const key = u * articles + a;
      if (seen.has(key)) continue;
      seen.add(key);
      out.user[n] = u + 1;
      out.article[n] = a;
      out.at[n] = Math.min(END - 1, this.articleAt[a] + rng.int(60 * DAY));
      this.favoritesCount[a]++;
      n++;
    }
    // In primary-key order: the load appends to favorites_pkey instead of splitting random pages.
    const order = Int32Array.from({ length: count }, (_, i) => i).sort((x, y) => out.user[x] - out.user[y] || this.articleIds[out.article[x]] - this.articleIds[out.article[y]]);
    return { user: order.map((i) => out.user[i]), article: order.map((i) => out.article[i]), at: Float64Array.from(order, (i) => out.at[i]) };
  }

  private drawFollows(rng: Prng, userByRank: Int32Array) {
    const { users, follows: total } = this.plan;
    const heavy = heavyReaderFollowing(users);
    const perUser = new Int32Array(users + 1);
    const regular = Math.max(0, total - heavy.reduce((s, n) => s + n, 0));
    const mean = regular / Math.max(1, users - heavy.length);
    let planned = 0;
    for (let id = 1; id <= users; id++) {
      const heavyIndex = users - id;
      perUser[id] = heavyIndex < heavy.length ? heavy[heavyIndex] : Math.min(users - 1, Math.floor(-Math.log(1 - rng.next()) * mean));
      planned += perUser[id];
    }
    const out = { follower: new Int32Array(planned), following: new Int32Array(planned), at: new Float64Array(planned) };
    let n = 0;
    for (let id = 1; id <= users; id++) {
      const want = perUser[id];
      const chosen = new Set<number>();
      for (let attempts = 0; chosen.size < want; attempts++) {
        const other = (attempts > want * 20 ? rng.int(users) : userByRank[rng.skewed(users, 3)]) + 1;
        if (other === id || chosen.has(other)) continue;
        chosen.add(other);
        out.follower[n] = id;
        out.following[n] = other;
        out.at[n] = Math.min(END - 1, Math.max(this.userCreatedAt[id], this.userCreatedAt[other]) + rng.int(365 * DAY));
        n++;
      }
    }
    return out;
  }

  private drawComments(rng: Prng) {
    const { users, articles, comments: count } = this.plan;
    const articleByRank = rng.permutation(articles);
    const order: Array<[number, number, number]> = [];
    for (let i = 0; i < count; i++) {
      const a = articleByRank[rng.skewed(articles, 2)];
      order.push([a, rng.int(users) + 1, Math.min(END - 1, this.articleAt[a] + rng.int(30 * DAY))]);
    }
    order.sort((x, y) => x[2] - y[2]);
    const out = { article: new Int32Array(count), author: new Int32Array(count), at: new Float64Array(count) };
    order.forEach(([a, author, at], i) => {
      out.article[i] = a;
      out.author[i] = author;
      out.at[i] = at;
    });
    return out;
  }

  userRows(passwordHash: string): Generator<unknown[]> {
    return seedUserRows(this.plan, this.userCreatedAt, passwordHash);
  }

  *tagRows(): Generator<unknown[]> {
    for (let i = 0; i < this.tagNames.length; i++) yield [i + 1, this.tagNames[i]];
  }

  /** id, slug, title, description, body, tag_list, favorites_count, author_id, created_at, updated_at. */
  *articleRows(): Generator<unknown[]> {
    const rng = new Prng(this.plan.seed ^ 0xa271c1e);
    // Texts are drawn from a fixed pool of sentences and paragraphs: realistic row widths at a
    // fraction of the generation cost (1M articles in seconds, not a minute).
    const sentences = Array.from({ length: 4_096 }, () => sentence(rng, 8, 20));
    const bodies = Array.from({ length: 2_048 }, () => paragraphs(rng, 1, 1));
    for (let i = 0; i < this.articleIds.length; i++) {
      const id = this.articleIds[i];
      const t = title(rng);
      const body = Array.from({ length: 1 + rng.int(3) }, () => bodies[rng.int(bodies.length)]).join('\n\n');
      const at = iso(this.articleAt[i]);
      const names: string[] = [];
      for (let k = this.tagStart[i]; k < this.tagStart[i + 1]; k++) names.push(this.tagNames[this.tagIds[k] - 1]);
      yield [id, `${slugify(t)}-${id}`, t, sentences[rng.int(sentences.length)], body, names.sort(), this.favoritesCount[i], this.authorOf[i], at, at];
    }
  }

  *articleTagRows(): Generator<unknown[]> {
    for (let i = 0; i < this.articleIds.length; i++) {
      const at = iso(this.articleAt[i]);
      for (let k = this.tagStart[i]; k < this.tagStart[i + 1]; k++) yield [this.articleIds[i], this.tagIds[k], at];
    }
  }

  *favoriteRows(): Generator<unknown[]> {
    const { user, article, at } = this.favorites;
    for (let n = 0; n < user.length; n++) yield [user[n], this.articleIds[article[n]], iso(at[n]), iso(this.articleAt[article[n]])];
  }

  *followRows(): Generator<unknown[]> {
    const { follower, following, at } = this.follows;
    for (let n = 0; n < follower.length; n++) yield [follower[n], following[n], iso(at[n])];
  }

  /** id (with gaps: deleted comments), body, article_id, author_id, created_at, updated_at. */
  *commentRows(): Generator<unknown[]> {
    const rng = new Prng(this.plan.seed ^ 0xc033e47);
    const texts = Array.from({ length: 4_096 }, (_, i) => (i % 3 === 0 ? paragraphs(rng, 1, 2) : sentence(rng, 4, 24)));
    const { article, author, at } = this.comments;
    for (let n = 0, id = 0; n < article.length; n++) {
      id += rng.next() < DELETED_COMMENTS ? 2 : 1;
      yield [id, texts[rng.int(texts.length)], this.articleIds[article[n]], author[n], iso(at[n]), iso(at[n])];
    }
  }
}

/** Tag names of each life kind for a plan, most used first (benchmarks, the EXPLAIN test). */
export function livedInTags(plan: Pick<SeedPlan, 'tags'>): Record<TagLife, string[]> {
  const out = { evergreen: [], fading: [], wave: [], hot: [], empty: [] } as Record<TagLife, string[]>;
  tagNames(plan.tags).forEach((name, rank) => out[tagLife(rank)].push(name));
  return out;
}
