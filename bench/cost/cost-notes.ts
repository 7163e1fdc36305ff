// What was done about each hot frame or statement bench:cost found (matched on the frame or
// statement text). Kept beside the benchmark so the generated table stays true.
const NOTES: Array<{ match: RegExp; note: string }> = [
  {
    match: /^writev$/,
    note: 'Socket writes (responses, PostgreSQL, Redis). HAProxy `http-reuse safe` instead of `never` (no new backend connection per request); Redis rate-limit traffic cut to one script call per 500 ms per instance. On a busy box the V8 sampler also charges time spent waiting for a CPU inside the syscall.',
  },
  {
    match: /^writeUtf8String$/,
    note: "Mostly ioredis command writes: the general rate limit no longer syncs per request (BatchedWindow background flush, one multi-key script call), and the cache and rate-limit clients send one event-loop turn's commands in one socket write (libs/cache/src/write-coalescing.ts). On the Intel Xeon box that coalescing left throughput where it was (the samples there were mostly a thread waiting for a CPU inside the call); on an AMD EPYC box, where a syscall costs about three times as much, it took 14-30% off the signed-in cached list's API CPU at saturation and about 5% off the gate's API instances.",
  },
  {
    match: /^\(garbage collector\)$/,
    note: 'Fewer allocations per cached read: the fast path skips the Nest execution context, guards, pipes and rxjs; anonymous local hits skip Fastify too (memory-hit-front.ts). The API runs with a 32 MB young generation (--max-semi-space-size=32, libs/stack/src/api-node-flags.ts): scavenged half as often, +6-12% signed-in cached reads at saturation.',
  },
  { match: /^runMicrotasks$|processTicksAndRejections/, note: 'Promise chains of the Nest pipeline: cached reads, anonymous and signed in, now bypass it (cache/cached-read.fast-path.ts).' },
  {
    match: /crypto\/util|crypto\/hash/,
    note: 'Sign-ins (argon2id runs off the main thread; JWT signing/HMAC here). Stress ramp now paces password sign-ins (10/s) and returning users keep their token.',
  },
  { match: /^\(program\)$/, note: 'V8/native time outside JS; falls with the request count per connection (connection reuse).' },
  {
    match: /addFields pg\/lib\/result|pg-protocol|pg\/lib\/client|cloneQueryConfig/,
    note: 'pg result parsing and query setup: read paths (schema, SQL) belong to the read-cost work; page-bounded queries and counters landed there.',
  },
  { match: /^emit node:events/, note: 'Event emitters of sockets and streams: fewer connections (reuse) and fewer Redis replies.' },
  { match: /prom-client\/lib\/histogram/, note: 'Per-request histogram observe (label hashing): left as is (a few µs; metrics by route template are required).' },
  { match: /ioredis\/built\/(Command|Redis)/, note: 'One Redis command object per call: rate-limit syncs batched (see writeUtf8String).' },
  {
    match: /setHeader node:_http_outgoing|writeHead node:_http_server|_storeHeader/,
    note: 'Response headers (helmet, CORS, request id, cache headers): kept, all are required behaviour; the memory-hit front writes them in one writeHead from a list built at startup.',
  },
  { match: /ipaddr\.js/, note: 'trustProxy check of X-Forwarded-For on every request (proxy-addr): left as is; correctness of client addresses for rate limits.' },
  { match: /password\.service/, note: 'argon2id verification (sign-in): by design; paced in the stress ramp, measured by loadtest:login-storm.' },
  { match: /rate-limit\.guard|batched-window/, note: 'Rate-limit guard: fast path calls the same limiter; Redis syncs batched.' },
  { match: /fastify\/lib\/hooks/, note: 'Fastify hook chain: cached reads are answered in an onRequest hook (cached-read.fast-path.ts), anonymous local hits before Fastify (memory-hit-front.ts).' },
  { match: /article-read\.repository|article\.types/, note: 'Row mapping of article pages on cache misses (read-cost work).' },
  // Statements
  {
    match: /^INSERT INTO "public"\."articles"/,
    note: "Regression after the read-cost migration: the AFTER INSERT trigger updates one global counter row (article_totals id=1), so concurrent article creations waited on its row lock (mean 1.1 ms -> over 1 s here with 16 concurrent writers). Fixed with a sharded counter (16 rows, the writing backend's shard; migration 20261202010000_article_totals_shards, test apps/api/test/articles/article-totals-shards.int.spec.ts); not yet re-measured.",
  },
  { match: /^SELECT t\.total, page\.\*/, note: 'List page with count: replaced by page-bounded queries and counter rows (read-cost work).' },
  { match: /unnest\(\$1::int\[\], \$2::int\[\], \$3::text\[\]\)/, note: 'Chat messages: already one batched insert per flush (chat-message.writer.ts); kept.' },
  {
    match: /^WITH new_id AS \(SELECT nextval\(pg_get_serial_sequence\('articles'/,
    note: 'Article create: one statement inserts the article and its article_tags and reads the article back for the response (after the tag upsert: 2 statements, was 4). One text per case (with or without an Idempotency-Key claim) and the tag array passed opaquely (article-create.sql.ts), so PostgreSQL caches its generic plan: it was planned on every execution (0.6 ms per 1.5 ms run in the gate).',
  },
  {
    match: /INSERT INTO comments/,
    note: 'Comment create: one statement finds the article by its slug, inserts the comment (marking its Idempotency-Key claim when one was sent) and reads its author back; was 2 (a slug lookup first).',
  },
  { match: /FROM articles a\s+LEFT JOIN LATERAL \(\s*SELECT c\.id/, note: "An article's comments by its slug (the cache fill): one statement; was 2 (the slug lookup, then the comments)." },
  {
    match: /^WITH target AS/,
    note: 'Favorite/unfavorite and follow/unfollow: one statement each that writes and reads the response back (article with its author and the viewer flags, or the profile); was 2-3.',
  },
  { match: /favorites|follows/, note: "Viewer flags of a page, the feed's follow statistics: one bounded statement each (read-cost work)." },
];

export function noteFor(text: string): string {
  return NOTES.find((n) => n.match.test(text))?.note ?? '';
}

/** Statements of the read paths (schema, SQL, cache) belong to the read-cost work; the rest to the request pipeline. */
export function statementOwner(query: string): string {
  if (/chat_|job_outbox|idempotency/i.test(query)) return 'chat / jobs';
  if (/articles|tags|comments|favorites|follows/i.test(query)) return 'read/write paths (schema, SQL)';
  if (/users/i.test(query)) return 'auth';
  return '';
}
