/** Names read from the database at warm-up, used to build representative requests. */
export interface WarmupSample {
  slugs: string[];
  authors: string[];
  tags: string[];
}

export interface WarmupRequest {
  url: string;
  /** Sent with a token (the signed-in pipeline: guard, viewer overlay, feed). */
  signedIn: boolean;
}

/** Stand-ins for an empty database: the statements and routes still run (and answer 404 or an empty page). */
const PLACEHOLDER = 'warmup';

const enc = encodeURIComponent;

/**
 * The hot GET routes of the load-test journeys (load-tests/shared/journeys.ts), anonymous and
 * signed in: list variants (all, by tag, author, favorited, deeper pages), an article, its
 * comments, a profile, tags, the feed and the current user. Only GETs: warm-up never writes.
 */
function routeSet(sample: WarmupSample, i: number): WarmupRequest[] {
  const pick = (list: string[]) => (list.length ? list[i % list.length] : PLACEHOLDER);
  const slug = enc(pick(sample.slugs));
  const author = enc(pick(sample.authors));
  const tag = enc(pick(sample.tags));
  const offset = (i % 3) * 10;
  const anonymous = [
    `/api/articles?limit=10&offset=${offset}`,
    '/api/tags',
    `/api/articles?tag=${tag}&limit=10`,
    `/api/articles?author=${author}&limit=10`,
    `/api/articles?favorited=${author}&limit=10`,
    `/api/articles/${slug}`,
    `/api/articles/${slug}/comments`,
    `/api/profiles/${author}`,
  ];
  const signedIn = ['/api/articles/feed?limit=10', '/api/articles?limit=10', `/api/articles/${slug}`, `/api/articles/${slug}/comments`, `/api/profiles/${author}`, '/api/user'];
  return [...anonymous.map((url) => ({ url, signedIn: false })), ...signedIn.map((url) => ({ url, signedIn: true }))];
}

/** `count` requests cycling through the route set, varying the names and offsets. */
export function warmupRequests(sample: WarmupSample, count: number): WarmupRequest[] {
  const out: WarmupRequest[] = [];
  for (let i = 0; out.length < count; i++) out.push(...routeSet(sample, i).slice(0, count - out.length));
  return out;
}
