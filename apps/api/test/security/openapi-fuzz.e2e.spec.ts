import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { deleteRedisKeys } from '../chat/support/chat-client.js';
import { loadContract, type Operation } from './support/openapi-contract.js';
import { RecordingClient, responsesLeakingPasswordHashes } from './support/recording-client.js';

/**
 * Property-based fuzzing of every REST route in the RealWorld OpenAPI description
 * (apps/api/test/contract/openapi.yml): for each operation, fast-check generates valid and
 * invalid path parameters, query parameters, bodies (schema-valid, mutated, or arbitrary JSON)
 * and credentials (owner, other user, none, garbage). Property: never a 5xx, and every response
 * matches the spec's schema for its status (support/openapi-contract.ts, with the two documented
 * deviations listed there).
 *
 * Knobs: FUZZ_RUNS (cases per operation, default 300), FUZZ_SEED (default fixed, so CI is
 * reproducible; a failure prints the seed and path to replay it).
 * Rate limits and load shedding are on by default; startTestApp already sizes the rate limits far
 * above this file's traffic and disables event-loop shedding (a loaded CI box), and requests are
 * sent one at a time, so neither can answer 429/503 here. A 429 or 503 would fail the property.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

const { operations, check } = loadContract();

describe('OpenAPI fuzzing of every REST route (e2e, fast-check)', () => {
  let t: TestApp;
  let api: RecordingClient;
  const tokens: Record<'owner' | 'other', string> = { owner: '', other: '' };
  const usernames: string[] = [];
  const slugs: string[] = [];
  /** Articles and comments only the delete operations consume. */
  const disposableSlugs: string[] = [];
  /** Comments by the index of their article in `slugs` (slugs change when a title does). */
  const comments: { article: number; id: number }[] = [];
  const stats = new Map<string, Map<number, number>>();
  let credentials = { email: '', password: '' };
  /** Picks from an array at generation time (the arrays change as articles are renamed). */
  const oneOf = <T>(items: T[]) => fc.nat().map((i) => items[i % items.length]);

  beforeAll(async () => {
    t = await startTestApp();
    api = new RecordingClient(t.url);
    const owner = await api.actingAsNewUser('fuzz_owner');
    const other = await api.actingAsNewUser('fuzz_other');
    tokens.owner = owner.token;
    credentials = { email: other.email, password: other.password };
    tokens.other = other.token;
    usernames.push(owner.username, other.username);
    for (let i = 0; i < 30; i++) {
      const res = await owner.client.post('/api/articles', { article: { title: `Fuzz ${i}`, description: 'd', body: 'b', tagList: ['fuzz', `t${i % 3}`] } });
      (i < 10 ? slugs : disposableSlugs).push(res.body.article.slug);
    }
    for (let i = 0; i < 30; i++) {
      const res = await (i % 2 ? other : owner).client.post(`/api/articles/${slugs[i % 3]}/comments`, { comment: { body: `c${i}` } });
      comments.push({ article: i % 3, id: res.body.comment.id });
    }
    await other.client.post(`/api/profiles/${owner.username}/follow`);
  }, 60_000);
  afterAll(async () => {
    const lines = [...stats].map(
      ([op, byStatus]) =>
        `${op.padEnd(26)} ${[...byStatus]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
    );
    console.log(`openapi fuzz: ${RUNS} runs/operation, seed ${SEED}\n${lines.join('\n')}`);
    await t?.close();
    if (t) await deleteRedisKeys(t.config.REDIS_URL, t.config.REDIS_KEY_PREFIX);
  });

  // ---- generators ------------------------------------------------------------------------
  const anyText = fc.string({ unit: 'binary', maxLength: 40 });
  const nasty = fc.constantFrom("'", '%', '_', '\\', ';--', '\u0000', '..', '/', '?', '#', ' ', '', '\ud83d\ude00', 'null', '[]');
  const text = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }, { weight: 2, arbitrary: anyText }, { weight: 1, arbitrary: nasty });

  /** A value for a named string field: mostly plausible (so 2xx paths run), sometimes hostile. */
  function stringFor(name: string): fc.Arbitrary<string> {
    const plausible: Record<string, fc.Arbitrary<string>> = {
      email: fc.oneof(
        fc.stringMatching(/^[a-z0-9._-]{1,20}$/).map((local) => `${local}@example.test`),
        fc.emailAddress(),
      ),
      username: fc.stringMatching(/^[a-z0-9_]{3,20}$/),
      password: fc.string({ minLength: 8, maxLength: 40 }),
      image: fc.oneof(fc.webUrl(), fc.constant('')),
    };
    return plausible[name] ? fc.oneof({ weight: 3, arbitrary: plausible[name] }, { weight: 1, arbitrary: text }) : text;
  }

  /** Schema-valid values (the spec's types and required fields). */
  function valid(schema: any, name = ''): fc.Arbitrary<unknown> {
    switch (schema?.type) {
      case 'object': {
        const props = Object.fromEntries(Object.entries<any>(schema.properties ?? {}).map(([k, v]) => [k, valid(v, k)]));
        return fc.record(props, { requiredKeys: schema.required ?? [] });
      }
      case 'array':
        return fc.array(valid(schema.items, name), { maxLength: 6 });
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -10, max: 200 });
      case 'boolean':
        return fc.boolean();
      default:
        return stringFor(name);
    }
  }

  /** Valid, mutated (extra/privileged field, wrong type, missing wrapper, null) or arbitrary JSON. */
  function body(schema: any): fc.Arbitrary<unknown> {
    const wrapper = Object.keys(schema.properties)[0];
    const mutated = fc
      .tuple(
        valid(schema) as fc.Arbitrary<Record<string, any>>,
        fc.constantFrom('extra', 'privileged', 'wrongType', 'unwrap', 'nullInner', 'arrayInner'),
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom('id', 'authorId', 'passwordHash', 'favoritesCount', 'slug', 'zzz'),
      )
      .map(([v, how, junk, field]) => {
        const inner = { ...(v[wrapper] ?? {}) };
        switch (how) {
          case 'extra':
            return { ...v, [field]: junk };
          case 'privileged':
            return { [wrapper]: { ...inner, [field]: junk } };
          case 'wrongType': {
            const key = Object.keys(inner)[0] ?? 'title';
            return { [wrapper]: { ...inner, [key]: junk } };
          }
          case 'unwrap':
            return inner;
          case 'nullInner':
            return { [wrapper]: null };
          default:
            return { [wrapper]: [inner] };
        }
      });
    return fc.oneof({ weight: 4, arbitrary: valid(schema) }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) });
  }

  /** Bodies random generation rarely hits: a real login, a well-formed registration. */
  function knownBodies(op: Operation): fc.Arbitrary<unknown> | null {
    if (op.operationId === 'Login') return fc.constant(null).map(() => ({ user: { ...credentials } }));
    if (op.operationId === 'CreateUser') return fc.stringMatching(/^[a-z0-9]{8,12}$/).map((u) => ({ user: { username: `fz${u}`, email: `fz${u}@example.test`, password: 'password-123' } }));
    return null;
  }

  function pathParam(op: Operation, name: string): fc.Arbitrary<string> {
    const known = name === 'username' ? oneOf(usernames) : name === 'slug' ? (op.operationId === 'DeleteArticle' ? oneOf(disposableSlugs) : oneOf(slugs)) : oneOf(comments).map((c) => String(c.id));
    const shaped = name === 'id' ? fc.oneof(fc.integer().map(String), fc.bigInt().map(String)) : fc.stringMatching(/^[a-z0-9-]{1,40}$/);
    return fc.oneof({ weight: 4, arbitrary: known }, { weight: 2, arbitrary: shaped }, { weight: 2, arbitrary: text });
  }

  function queryValue(schema: any, name: string): fc.Arbitrary<string | string[]> {
    const good = schema.type === 'integer' ? fc.integer({ min: schema.minimum ?? 0, max: name === 'limit' ? 100 : 50 }).map(String) : fc.oneof(fc.constantFrom('fuzz', 't1', ...usernames), text);
    const bad = fc.oneof(
      fc.integer().map(String),
      fc.constantFrom('1e3', '-1', '0x10', '1.5', '', 'NaN', '99999999999999999999'),
      text,
      fc.array(fc.string({ maxLength: 5 }), { minLength: 2, maxLength: 3 }),
    );
    return fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: bad });
  }

  function request(op: Operation) {
    const independent = fc.record(Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, pathParam(op, p.name)])));
    // A comment id only deletes anything together with its own article's slug.
    const path = op.path.includes('{id}')
      ? fc.oneof({ weight: 3, arbitrary: oneOf(comments).map((c) => ({ slug: slugs[c.article], id: String(c.id) })) }, { weight: 2, arbitrary: independent })
      : independent;
    const query = fc.record(Object.fromEntries(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, queryValue(p.schema, p.name)])), { requiredKeys: [] });
    const auth = fc.oneof(
      { weight: 6, arbitrary: fc.constant('owner' as const) },
      { weight: 2, arbitrary: fc.constant('other' as const) },
      { weight: 1, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constant('garbage' as const) },
    );
    const known = knownBodies(op);
    const payload: fc.Arbitrary<unknown> = op.bodySchema
      ? known
        ? fc.oneof({ weight: 1, arbitrary: known }, { weight: 3, arbitrary: body(op.bodySchema) })
        : body(op.bodySchema)
      : op.method === 'post'
        ? fc.option(fc.jsonValue({ maxDepth: 2 }), { freq: 3 }).map((v) => v ?? undefined)
        : fc.constant(undefined);
    return fc.record({ path, query, auth, payload });
  }

  function encode(value: string): string {
    try {
      return encodeURIComponent(value);
    } catch {
      return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'));
    }
  }

  for (const op of operations) {
    it(`${op.operationId}: ${op.method.toUpperCase()} ${op.path} never 5xx and always matches the spec (${RUNS} cases)`, async () => {
      let cases = 0;
      const byStatus = new Map<number, number>();
      stats.set(op.operationId, byStatus);
      await fc.assert(
        fc.asyncProperty(request(op), async ({ path, query, auth, payload }) => {
          let url = '/api' + op.path.replace(/\{(\w+)\}/g, (_, name: string) => encode((path as Record<string, string>)[name]));
          const search = new URLSearchParams();
          for (const [k, v] of Object.entries(query as Record<string, string | string[]>)) for (const one of [v].flat()) search.append(k, one);
          if ([...search].length) url += `?${search}`;
          const client = auth === 'none' ? api.as(undefined) : api.as(auth === 'garbage' ? 'eyJhbGciOiJIUzI1NiJ9.e30.garbage' : tokens[auth]);
          const res = await client.request(op.method.toUpperCase(), url, payload === undefined ? undefined : JSON.stringify(payload));
          cases++;
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          // A renamed user: keep generating their current username.
          if (op.operationId === 'UpdateCurrentUser' && res.status === 200 && auth !== 'none' && auth !== 'garbage') {
            usernames[auth === 'owner' ? 0 : 1] = res.body.user.username;
          }
          // A renamed article (new title, new slug): keep generating its current slug.
          if (op.operationId === 'UpdateArticle' && res.status === 200) {
            const old = slugs.indexOf((path as Record<string, string>).slug);
            if (old >= 0) slugs[old] = res.body.article.slug;
          }
          const problem = check(op, res.status, res.body);
          if (problem)
            throw new Error(`${op.method.toUpperCase()} ${url} (${auth}) body=${JSON.stringify(payload)?.slice(0, 300)} -> ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}: ${problem}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(cases).toBe(RUNS);
      // The generators reach both the success path and the refusals of each route (checked at
      // the default run count; a handful of runs may by chance miss one).
      if (RUNS < 100) return;
      const statuses = [...byStatus.keys()];
      expect(
        statuses.some((s) => s < 300),
        `no success in ${JSON.stringify([...byStatus])}`,
      ).toBe(true);
      // (GET /tags takes no input at all and ignores credentials: nothing to refuse.)
      if (op.parameters.length || op.bodySchema || op.secured)
        expect(
          statuses.some((s) => s >= 400),
          `no refusal in ${JSON.stringify([...byStatus])}`,
        ).toBe(true);
    }, 120_000);
  }

  it('the contract check is not vacuous: it flags 5xx, undocumented success statuses and schema mismatches', () => {
    const getArticle = operations.find((o) => o.operationId === 'GetArticle')!;
    const article = {
      slug: 's',
      title: 't',
      description: 'd',
      body: 'b',
      tagList: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      favorited: false,
      favoritesCount: 0,
      author: { username: 'u', bio: null, image: null, following: false },
    };
    expect(check(getArticle, 200, { article })).toBeNull();
    expect(check(getArticle, 500, { errors: { server: ['x'] } })).toMatch(/server error/);
    expect(check(getArticle, 201, { article })).toMatch(/undocumented/);
    expect(check(getArticle, 200, { article: { ...article, author: undefined } })).toMatch(/author/);
    expect(check(getArticle, 200, { article: { ...article, favoritesCount: '0' } })).toMatch(/integer/);
    expect(check(getArticle, 200, { article: { ...article, createdAt: 'yesterday' } })).toMatch(/date-time/);
    expect(check(getArticle, 404, { error: 'not found' })).toMatch(/errors/);
    expect(check(getArticle, 422, { errors: { title: [] } })).toMatch(/fewer than 1|minItems|must NOT have fewer/);
  });

  it('no fuzzed response contained a password hash', () => {
    expect(api.log.length).toBeGreaterThanOrEqual(RUNS * operations.length);
    expect(responsesLeakingPasswordHashes(api.log)).toEqual([]);
  });
});
