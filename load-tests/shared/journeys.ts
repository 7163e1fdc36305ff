// The user journeys, as data: each HTTP journey is a list of steps (request builder, accepted
// statuses, a body check, what to remember for later steps). The k6 runner (k6/lib/http-journey.ts)
// and the Node driver (driver/http-journey.ts) both interpret these same steps, with a think
// time between steps, so the two cannot disagree on what a "reader" does.

export type JourneyName = 'anonymous' | 'reader' | 'writer' | 'chat';

export interface VuState {
  /** 1-based virtual user number. */
  vu: number;
  iteration: number;
  /** Signed-in users only. */
  username?: string;
  token?: string;
  /** Remembered between steps of one iteration. */
  slug?: string;
  author?: string;
  tag?: string;
  ownSlug?: string;
  /** Uniform [0, 1): Math.random in both runners (injectable for tests). */
  random: () => number;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL, e.g. `/api/articles?limit=10`. */
  path: string;
  body?: unknown;
  /** Send `Authorization: Token <jwt>`. */
  auth: boolean;
}

export interface Step {
  /** Stable name: the per-endpoint row in reports and the k6 `name` tag. */
  name: string;
  /** null skips the step (nothing to act on yet, e.g. an empty database). */
  call(s: VuState): HttpCall | null;
  /** Accepted statuses; anything else fails the step. */
  ok: readonly number[];
  /** Shape check of the parsed JSON body. */
  check?(body: any): boolean;
  /** Remember what later steps need. */
  after?(s: VuState, body: any): void;
}

export interface JourneyDef {
  name: JourneyName;
  /** For people reading the report. */
  label: string;
  /** Default share of virtual users (settings.WEIGHTS overrides). */
  weight: number;
  /** Logs in once per virtual user (pre-seeded account) before the first iteration. */
  signedIn: boolean;
  /** HTTP steps; the chat journey is a WebSocket session instead (chat-plan.ts). */
  steps: readonly Step[];
}

const enc = encodeURIComponent;
const pick = <T>(items: readonly T[], u: number): T | undefined => (items.length ? items[Math.floor(u * items.length) % items.length] : undefined);
const isArticleList = (b: any) => Array.isArray(b?.articles) && typeof b?.articlesCount === 'number';
const isArticle = (b: any) => typeof b?.article?.slug === 'string';
const isProfile = (b: any) => typeof b?.profile?.username === 'string';

function rememberArticle(s: VuState, body: any, skipOwn: boolean): void {
  const articles: any[] = (body?.articles ?? []).filter((a: any) => !skipOwn || a?.author?.username !== s.username);
  const a = pick(articles, s.random());
  if (a) {
    s.slug = a.slug;
    s.author = a.author?.username;
    if (!s.tag) s.tag = pick(a.tagList ?? [], s.random());
  }
}

/** Login request for a pre-seeded account (once per virtual user). */
export function loginCall(email: string, password: string): HttpCall {
  return { method: 'POST', path: '/api/users/login', body: { user: { email, password } }, auth: false };
}

export const ANONYMOUS_STEPS: readonly Step[] = [
  {
    name: 'GET /api/articles',
    call: (s) => ({ method: 'GET', path: `/api/articles?limit=10&offset=${Math.floor(s.random() * 3) * 10}`, auth: false }),
    ok: [200],
    check: isArticleList,
    after: (s, b) => rememberArticle(s, b, false),
  },
  {
    name: 'GET /api/tags',
    call: () => ({ method: 'GET', path: '/api/tags', auth: false }),
    ok: [200],
    check: (b) => Array.isArray(b?.tags),
    after: (s, b) => {
      s.tag = pick(b?.tags ?? [], s.random()) ?? s.tag;
    },
  },
  {
    name: 'GET /api/articles?tag=',
    call: (s) => (s.tag ? { method: 'GET', path: `/api/articles?tag=${enc(s.tag)}&limit=10`, auth: false } : null),
    ok: [200],
    check: isArticleList,
    after: (s, b) => rememberArticle(s, b, false),
  },
  {
    name: 'GET /api/articles/:slug',
    call: (s) => (s.slug ? { method: 'GET', path: `/api/articles/${enc(s.slug)}`, auth: false } : null),
    ok: [200],
    check: isArticle,
  },
  {
    name: 'GET /api/articles/:slug/comments',
    call: (s) => (s.slug ? { method: 'GET', path: `/api/articles/${enc(s.slug)}/comments`, auth: false } : null),
    ok: [200],
    check: (b) => Array.isArray(b?.comments),
  },
];

export const READER_STEPS: readonly Step[] = [
  {
    name: 'GET /api/articles/feed',
    call: () => ({ method: 'GET', path: '/api/articles/feed?limit=10', auth: true }),
    ok: [200],
    check: isArticleList,
  },
  {
    name: 'GET /api/articles (signed in)',
    call: () => ({ method: 'GET', path: '/api/articles?limit=10', auth: true }),
    ok: [200],
    check: isArticleList,
    after: (s, b) => rememberArticle(s, b, true),
  },
  {
    name: 'POST /api/articles/:slug/favorite',
    call: (s) => (s.slug ? { method: 'POST', path: `/api/articles/${enc(s.slug)}/favorite`, auth: true } : null),
    ok: [200],
    check: (b) => isArticle(b) && b.article.favorited === true,
  },
  {
    name: 'GET /api/articles/:slug (signed in)',
    call: (s) => (s.slug ? { method: 'GET', path: `/api/articles/${enc(s.slug)}`, auth: true } : null),
    ok: [200],
    check: isArticle,
  },
  {
    name: 'DELETE /api/articles/:slug/favorite',
    call: (s) => (s.slug ? { method: 'DELETE', path: `/api/articles/${enc(s.slug)}/favorite`, auth: true } : null),
    ok: [200],
    check: isArticle,
  },
  {
    name: 'GET /api/profiles/:username',
    call: (s) => (s.author ? { method: 'GET', path: `/api/profiles/${enc(s.author)}`, auth: true } : null),
    ok: [200],
    check: isProfile,
  },
  {
    name: 'POST /api/profiles/:username/follow',
    call: (s) => (s.author ? { method: 'POST', path: `/api/profiles/${enc(s.author)}/follow`, auth: true } : null),
    ok: [200],
    check: (b) => isProfile(b) && b.profile.following === true,
  },
  {
    name: 'DELETE /api/profiles/:username/follow',
    call: (s) => (s.author ? { method: 'DELETE', path: `/api/profiles/${enc(s.author)}/follow`, auth: true } : null),
    ok: [200],
    check: isProfile,
  },
];

const TOPICS = ['scaling', 'caching', 'postgres', 'redis', 'websockets', 'queues'];

export const WRITER_STEPS: readonly Step[] = [
  {
    name: 'POST /api/articles',
    call: (s) => {
      const topic = pick(TOPICS, s.random()) ?? 'scaling';
      const id = `${s.vu}-${s.iteration}-${Math.floor(s.random() * 1e9).toString(36)}`;
      return {
        method: 'POST',
        path: '/api/articles',
        auth: true,
        body: {
          article: {
            title: `Load test notes on ${topic} ${id}`,
            description: `What virtual user ${s.vu} learned about ${topic}`,
            body: `Measured under load: ${topic}. `.repeat(20),
            tagList: ['loadtest', topic],
          },
        },
      };
    },
    ok: [201],
    check: isArticle,
    after: (s, b) => {
      s.ownSlug = b?.article?.slug;
    },
  },
  {
    name: 'GET /api/articles/:slug (own)',
    call: (s) => (s.ownSlug ? { method: 'GET', path: `/api/articles/${enc(s.ownSlug)}`, auth: true } : null),
    ok: [200],
    check: isArticle,
  },
  {
    name: 'POST /api/articles/:slug/comments',
    call: (s) => (s.ownSlug ? { method: 'POST', path: `/api/articles/${enc(s.ownSlug)}/comments`, auth: true, body: { comment: { body: `Comment ${s.iteration} from virtual user ${s.vu}` } } } : null),
    ok: [200, 201],
    check: (b) => typeof b?.comment?.id === 'number' || typeof b?.comment?.id === 'string',
  },
  {
    name: 'GET /api/articles/:slug/comments (own)',
    call: (s) => (s.ownSlug ? { method: 'GET', path: `/api/articles/${enc(s.ownSlug)}/comments`, auth: true } : null),
    ok: [200],
    check: (b) => Array.isArray(b?.comments) && b.comments.length > 0,
  },
];

export const JOURNEYS: readonly JourneyDef[] = [
  { name: 'anonymous', label: 'Anonymous reader: article list, tag filter, an article and its comments', weight: 45, signedIn: false, steps: ANONYMOUS_STEPS },
  { name: 'reader', label: 'Signed-in reader: feed, favorite/unfavorite, follow/unfollow', weight: 30, signedIn: true, steps: READER_STEPS },
  { name: 'writer', label: 'Writer: create an article, comment on it', weight: 10, signedIn: true, steps: WRITER_STEPS },
  { name: 'chat', label: 'Chat user: Socket.IO room, a message every few seconds, receives the room', weight: 15, signedIn: true, steps: [] },
];

export function journeyByName(name: JourneyName): JourneyDef {
  const j = JOURNEYS.find((x) => x.name === name);
  if (!j) throw new Error(`unknown journey ${name}`);
  return j;
}

/** Fresh per-iteration memory, keeping who the user is. */
export function newIteration(s: VuState): VuState {
  s.iteration += 1;
  s.slug = undefined;
  s.author = undefined;
  s.tag = undefined;
  s.ownSlug = undefined;
  return s;
}
