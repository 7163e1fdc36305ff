import { Prng } from './prng.js';
import { LOAD_TEST_EMAIL_DOMAIN, loadTestUsername, type SeedPlan } from './seed-plan.js';
import { paragraphs, personName, sentence, slugify, tagNames, title } from './seed-text.js';

// Fixed calendar (not "now") so the same plan always yields byte-identical rows.
const DAY = 86_400_000;
const USERS_FROM = Date.UTC(2023, 0, 1);
const ARTICLES_FROM = Date.UTC(2024, 0, 1);
const END = Date.UTC(2026, 0, 1);

/**
 * The rows of a data set, in COPY column order (seed-database.ts). Counters (users.articles_count,
 * tag_article_counts, ...) are not rows here: the seed computes them from the rows in SQL.
 */
export interface SeedRows {
  userRows(passwordHash: string): Iterable<unknown[]>;
  tagRows(): Iterable<unknown[]>;
  articleRows(): Iterable<unknown[]>;
  /** article_id, tag_id, created_at (the article's). */
  articleTagRows(): Iterable<unknown[]>;
  /** user_id, article_id, created_at, article_created_at. */
  favoriteRows(): Iterable<unknown[]>;
  followRows(): Iterable<unknown[]>;
  commentRows(): Iterable<unknown[]>;
}

export interface SeedArticle {
  authorId: number;
  createdAt: number;
  tagIds: number[];
  favoritesCount: number;
}

/**
 * The relational skeleton of the data set (ids, foreign keys, timestamps, counters), built in
 * memory with seeded PRNGs. Texts (titles, bodies) are produced while streaming, from their own
 * PRNG streams, so they never change the skeleton. Favorites counters are computed here from the
 * favorites rows themselves, so articles.favorites_count always equals COUNT(favorites).
 */
export class SeedData implements SeedRows {
  readonly tagNames: string[];
  readonly userCreatedAt: Float64Array;
  readonly articles: SeedArticle[] = [];
  /** [userId, articleId, createdAtMs] */
  readonly favorites: Array<[number, number, number]> = [];
  /** [followerId, followingId, createdAtMs] */
  readonly follows: Array<[number, number, number]> = [];
  /** [articleId, authorId, createdAtMs] */
  readonly comments: Array<[number, number, number]> = [];

  constructor(readonly plan: SeedPlan) {
    const { users, articles, tags, favorites, follows, comments, seed } = plan;
    this.tagNames = tagNames(tags);
    const rng = new Prng(seed);
    // Popularity rank -> id, so the most followed/prolific users are spread over the id range.
    const userByRank = rng.permutation(users);
    const articleByRank = rng.permutation(articles);

    this.userCreatedAt = new Float64Array(users + 1);
    for (let id = 1; id <= users; id++) this.userCreatedAt[id] = USERS_FROM + rng.int(ARTICLES_FROM - USERS_FROM);

    // Article ids grow with time, as they would in production.
    const times = Array.from({ length: articles }, () => ARTICLES_FROM + rng.int(END - ARTICLES_FROM)).sort((a, b) => a - b);
    for (let i = 0; i < articles; i++) {
      const tagCount = tags === 0 ? 0 : rng.pick([0, 1, 1, 2, 2, 3, 3, 4]);
      const tagIds: number[] = [];
      while (tagIds.length < Math.min(tagCount, tags)) {
        const tagId = rng.skewed(tags, 2) + 1;
        if (!tagIds.includes(tagId)) tagIds.push(tagId);
      }
      this.articles.push({ authorId: userByRank[rng.skewed(users, 2)] + 1, createdAt: times[i], tagIds, favoritesCount: 0 });
    }

    const after = (t: number, maxDays: number) => Math.min(END - 1, t + rng.int(maxDays * DAY));
    uniquePairs(
      rng,
      favorites,
      users,
      articles,
      'favorites',
      () => [userByRank[rng.skewed(users, 1.5)], articleByRank[rng.skewed(articles, 3)]],
      (u, a) => {
        const article = this.articles[a];
        article.favoritesCount++;
        this.favorites.push([u + 1, a + 1, after(article.createdAt, 60)]);
      },
    );
    uniquePairs(
      rng,
      follows,
      users,
      users,
      'follows',
      () => [rng.int(users), userByRank[rng.skewed(users, 2.5)]],
      (a, b) => {
        this.follows.push([a + 1, b + 1, Math.max(this.userCreatedAt[a + 1], this.userCreatedAt[b + 1]) + rng.int(365 * DAY)]);
      },
      (a, b) => a !== b,
    );
    for (let i = 0; i < comments; i++) {
      const articleId = articleByRank[rng.skewed(articles, 2)] + 1;
      this.comments.push([articleId, rng.int(users) + 1, after(this.articles[articleId - 1].createdAt, 30)]);
    }
    // Comments are stored in time order per table (ids grow with time).
    this.comments.sort((x, y) => x[2] - y[2]);
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
    for (let i = 0; i < this.articles.length; i++) {
      const a = this.articles[i];
      const id = i + 1;
      const t = title(rng);
      const at = iso(a.createdAt);
      // The id suffix keeps slugs unique, like the API does for identical titles.
      yield [id, `${slugify(t)}-${id}`, t, sentence(rng, 8, 20), paragraphs(rng, 2, 5), a.tagIds.map((tagId) => this.tagNames[tagId - 1]), a.favoritesCount, a.authorId, at, at];
    }
  }

  *articleTagRows(): Generator<unknown[]> {
    for (let i = 0; i < this.articles.length; i++) for (const tagId of this.articles[i].tagIds) yield [i + 1, tagId, iso(this.articles[i].createdAt)];
  }

  *favoriteRows(): Generator<unknown[]> {
    for (const [userId, articleId, at] of this.favorites) yield [userId, articleId, iso(at), iso(this.articles[articleId - 1].createdAt)];
  }

  *followRows(): Generator<unknown[]> {
    for (const [followerId, followingId, at] of this.follows) yield [followerId, followingId, iso(at)];
  }

  /** id, body, article_id, author_id, created_at, updated_at. */
  *commentRows(): Generator<unknown[]> {
    const rng = new Prng(this.plan.seed ^ 0xc033e47);
    for (let i = 0; i < this.comments.length; i++) {
      const [articleId, authorId, at] = this.comments[i];
      yield [i + 1, rng.next() < 0.3 ? paragraphs(rng, 1, 2) : sentence(rng, 4, 24), articleId, authorId, iso(at), iso(at)];
    }
  }
}

/** Users as COPY rows: id, email, username, password_hash, bio, image, created_at, updated_at. */
export function* seedUserRows(plan: SeedPlan, createdAt: Float64Array, passwordHash: string): Generator<unknown[]> {
  const rng = new Prng(plan.seed ^ 0x05e75);
  for (let id = 1; id <= plan.users; id++) {
    let username: string;
    let email: string;
    if (id <= plan.loadTestAccounts) {
      username = loadTestUsername(id);
      email = `${username}@${LOAD_TEST_EMAIL_DOMAIN}`;
    } else {
      const { first, last } = personName(rng);
      username = `${first}.${last}${id}`;
      email = `${username}@example.com`;
    }
    const bio = rng.next() < 0.6 ? sentence(rng, 5, 20) : null;
    const image = rng.next() < 0.3 ? `https://images.conduit.test/avatars/${id}.png` : null;
    const at = iso(createdAt[id]);
    yield [id, email, username, passwordHash, bio, image, at, at];
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Draws `count` distinct (a, b) pairs; bounded so an impossible plan fails instead of spinning. */
function uniquePairs(
  rng: Prng,
  count: number,
  aSize: number,
  bSize: number,
  what: string,
  draw: () => [number, number],
  add: (a: number, b: number) => void,
  accept: (a: number, b: number) => boolean = () => true,
): void {
  const seen = new Set<number>();
  const maxAttempts = count * 50 + 1_000;
  for (let attempts = 0; seen.size < count; attempts++) {
    if (attempts > maxAttempts) throw new Error(`could not draw ${count} distinct ${what} from ${aSize} x ${bSize}`);
    let [a, b] = draw();
    // Past the first few thousand misses, fall back to uniform draws so dense plans still finish.
    if (attempts > count * 5) [a, b] = [rng.int(aSize), rng.int(bSize)];
    const key = a * bSize + b;
    if (seen.has(key) || !accept(a, b)) continue;
    seen.add(key);
    add(a, b);
  }
}
