import { z } from 'zod';
import { storageConfigShape } from './queue-config.schema.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Every environment variable the API and worker read. Parsed once at startup
 * (loadConfig); nothing else in the code reads process.env.
 * .env.example documents each one with a safe local default.
 */
export const appConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Below debug, requests are not logged one by one (HAProxy and the metrics see each); only those
  // that fail with a 5xx or take this long (apps/api/src/bootstrap/request-logging.ts).
  LOG_SLOW_REQUEST_MS: int(1, 600_000).default(1_000),
  INSTANCE_ID: z.string().min(1).max(64).default('api-1'),

  DATABASE_URL: url(['postgresql:', 'postgres:']),
  // Pool sizing (pattern: a small fixed pool, sized to what PostgreSQL can run at once, not to
  // the request concurrency): PostgreSQL on 2 cores runs 2 statements at a time, so more
  // connections only queue inside it. Budget: instances x DB_POOL_MAX + worker pool + reserve <=
  // max_connections (PostgreSQL default 100, keep ~10 for admin/migrations). 2 x 6 + 5 + 10 = 27.
  DB_POOL_MAX: int(1, 500).default(6),
  // How long a request waits for a free pooled connection before failing with 503.
  // pg's default (0) waits forever: an exhausted pool would hang every request.
  DB_POOL_ACQUIRE_TIMEOUT_MS: int(50, 60_000).default(2_000),
  // Server-side statement_timeout: a runaway query is cancelled by PostgreSQL.
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DB_IDLE_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  // Connections the pool opens during warm-up and keeps open when idle (capped at DB_POOL_MAX by
  // load-config.ts). Unset: DB_POOL_MAX, a fixed pool. A pool that grows under a burst and shrinks when idle opens
  // its new connections exactly when PostgreSQL is busiest, each with cold caches that plan every
  // statement again (tested in apps/api/test/db/fixed-pool.spec.ts; measured in the README's release gate).
  DB_POOL_MIN: int(0, 500).optional(),
  // DATABASE_URL is a transaction-mode pooler (PgBouncer; libs/stack/src/pgbouncer/): a connection
  // belongs to this process for one transaction only. The pool then sends no named prepared
  // statements (PgBouncer before 1.21 cannot route them) and no session settings at login
  // (PgBouncer refuses `options` and `statement_timeout` there; the pooler sets them on its server
  // connections instead). Off: a direct connection, as before.
  DB_TRANSACTION_POOLER: bool.default(false),
  // A streaming read replica (apps/api/src/database/replica/). Unset: every read goes to DATABASE_URL.
  // Reads that tolerate staleness (lists, articles, profiles, tags, comments, cache fills) go to it
  // only while its probe (every DB_REPLICA_PROBE_INTERVAL_MS) answered within the last second, its
  // lag is at most DB_REPLICA_MAX_LAG_MS and it has replayed the app's last write (read-your-writes);
  // otherwise to the primary.
  DATABASE_REPLICA_URL: url(['postgresql:', 'postgres:']).optional(),
  DB_REPLICA_POOL_MAX: int(1, 500).default(10),
  DB_REPLICA_MAX_LAG_MS: int(0, 600_000).default(1_000),
  DB_REPLICA_PROBE_INTERVAL_MS: int(20, 10_000).default(200),

  // Redis for cache, rate limits and Socket.IO (evicting, no persistence).
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  // Fail-fast budget for every cache/rate-limit command (ioredis waits a minute by default).
  REDIS_COMMAND_TIMEOUT_MS: int(10, 10_000).default(150),
  REDIS_KEY_PREFIX: z.string().max(64).default('conduit:'),

  JWT_SECRET: z.string().min(16, 'must be at least 16 characters'),
  JWT_TTL_SECONDS: int(60, 30 * 24 * 3600).default(24 * 3600),
  // A valid token of a deleted user is refused once this long has passed since its user was last
  // seen in the database (one primary-key lookup per user and instance per period; 0 = every request).
  AUTH_USER_RECHECK_MS: int(0, 3_600_000).default(30_000),

  CORS_ORIGINS: list.default(['http://localhost:5173', 'http://127.0.0.1:5173']),
  // Addresses of the load balancers whose X-Forwarded-For we believe (comma list of IPs/CIDRs).
  TRUSTED_PROXIES: list.default(['127.0.0.1']),
  BODY_LIMIT_BYTES: int(1_024, 50 * 1024 * 1024).default(256 * 1024),
  // Every request gets an answer within this budget (503/504 past it).
  REQUEST_TIMEOUT_MS: int(100, 120_000).default(10_000),

  // SIGTERM: readiness turns 503, keep serving for the drain delay (> LB health-check
  // interval so the LB stops sending), then close; hard deadline below the 10 s container grace.
  SHUTDOWN_DRAIN_DELAY_MS: int(0, 60_000).default(3_000),
  SHUTDOWN_TIMEOUT_MS: int(500, 120_000).default(8_000),
  // Above typical proxy idle timeouts (nginx 60 s, HAProxy http-keep-alive) so the app never
  // closes a socket the proxy is about to reuse.
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000).default(65_000),

  // Readiness fails only when the instance cannot serve at all (draining, PostgreSQL unreachable,
  // heap past this ceiling), never because it is busy. Dependency probes time out after
  // HEALTH_CHECK_TIMEOUT_MS (apps/api/src/health).
  HEALTH_MAX_HEAP_BYTES: int(16 * 1024 * 1024, 64 * 1024 * 1024 * 1024).default(1536 * 1024 * 1024),
  HEALTH_CHECK_TIMEOUT_MS: int(50, 30_000).default(1_000),

  // Warm before ready (apps/api/src/warmup): once listening, an instance opens DB_POOL_MIN
  // connections, checks Redis, runs each hot statement, and sends WARMUP_REQUESTS representative
  // GETs through its own pipeline in-process (marked: no metrics, no rate-limit hits, no writes);
  // /health/ready answers 503 until then. Bounded: after WARMUP_TIMEOUT_MS the instance is ready
  // whatever is left (a dependency that is down never holds readiness beyond it).
  WARMUP_ENABLED: bool.default(true),
  WARMUP_TIMEOUT_MS: int(100, 60_000).default(5_000),
  WARMUP_REQUESTS: int(0, 100_000).default(300),

  // Admission control (apps/api/src/traffic/load-shedder.ts): an adaptive concurrency limit between
  // MIN_CONCURRENCY and MAX_IN_FLIGHT (shrinks when the mean latency of a window passes
  // LOAD_SHED_MAX_LATENCY_MS, or twice its usual level when above 100 ms); requests over it get a fast 503 + Retry-After,
  // anonymous reads first. Past the event-loop delay only sign-ins and writes are admitted.
  LOAD_SHED_MAX_IN_FLIGHT: int(1, 100_000).default(1_000),
  // The floor the limit never shrinks below, per instance. Low enough that a saturated instance
  // can stop queueing (at 50 on the 2-core box, admitted requests waited ~300 ms for CPU at 2x
  // overload and shed answers ~600 ms); a healthy instance never gets near it (the limit only
  // shrinks when a window's mean latency passes 100 ms).
  LOAD_SHED_MIN_CONCURRENCY: int(1, 100_000).default(10),
  LOAD_SHED_MAX_LATENCY_MS: int(1, 60_000).default(250),
  // A backstop for a blocked loop (sync work): the adaptive limit already sees ordinary CPU queueing.
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: int(1, 60_000).default(1_000),

  // Password hashing bulkhead (apps/api/src/auth/hashing-bulkhead.ts): argon2id runs at most this
  // many at once per instance (~25 ms of CPU each), the rest queue (bounded, first come first
  // served); a sign-in that cannot start within the wait gets a 503 + Retry-After, at once when the
  // queue ahead of it already holds more than the wait. One second: a sign-in is a request like any
  // other, and under overload an admitted one should still answer within a second.
  PASSWORD_HASH_CONCURRENCY: int(1, 64).default(1),
  PASSWORD_HASH_MAX_QUEUED: int(0, 100_000).default(200),
  PASSWORD_HASH_MAX_WAIT_MS: int(10, 60_000).default(600),

  // Rate limits, fixed windows counted in Redis (shared by all instances). Keyed on the user when
  // authenticated, else on the client address. Sized so 1000 real users (a few per address) pass.
  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000),
  RATE_LIMIT_MAX: int(1, 10_000_000).default(600),
  // Login: per address, and per account (email) whatever the address (brute force, credential stuffing).
  RATE_LIMIT_LOGIN_WINDOW_MS: int(1_000, 86_400_000).default(60_000),
  RATE_LIMIT_LOGIN_MAX: int(1, 1_000_000).default(20),
  RATE_LIMIT_LOGIN_ACCOUNT_WINDOW_MS: int(1_000, 86_400_000).default(900_000),
  RATE_LIMIT_LOGIN_ACCOUNT_MAX: int(1, 1_000_000).default(10),
  // Registration: per address (bots).
  RATE_LIMIT_REGISTER_WINDOW_MS: int(1_000, 86_400_000).default(600_000),
  RATE_LIMIT_REGISTER_MAX: int(1, 1_000_000).default(30),

  // Cache (libs/cache). Writes invalidate at once; the TTL bounds memory and how long an
  // invalidation lost during a Redis outage can survive. Local = in-process layer for anonymous
  // reads: its TTL is how long another instance's write can stay invisible to anonymous readers.
  CACHE_ENABLED: bool.default(true),
  CACHE_TTL_MS: int(1_000, 86_400_000).default(300_000),
  CACHE_TTL_JITTER_RATIO: z.coerce.number().min(0).max(0.9).default(0.2),
  CACHE_LOCAL_TTL_MS: int(0, 60_000).default(1_000),
  CACHE_LOCAL_MAX_ENTRIES: int(0, 1_000_000).default(2_000),
  // While an instance sheds anonymous reads (admission control), an in-process entry that expired
  // less than this long ago still answers them (X-Cache: stale) instead of a 503. 0 = never.
  CACHE_STALE_ON_OVERLOAD_MS: int(0, 300_000).default(10_000),
  // Stampede lock across instances: held at most LOCK_TTL; others wait up to LOCK_WAIT, then compute.
  CACHE_LOCK_TTL_MS: int(100, 60_000).default(3_000),
  CACHE_LOCK_WAIT_MS: int(0, 10_000).default(300),
  // A signed-in viewer's follows and favorites are cached as one entry (their flags on any page
  // follow from it) while each set holds at most this many ids; above it their flags are read
  // per page from the database instead (the entry would grow without bound). 0 = always per page.
  CACHE_VIEWER_RELATIONS_MAX: int(0, 100_000).default(1_000),

  METRICS_ENABLED: bool.default(true),
  // The /ops page (operators only, users.is_operator): the /metrics and /health/ready endpoints it
  // reads, as name=baseUrl pairs (api-1=http://127.0.0.1:3001,worker=http://127.0.0.1:3100); empty =
  // this instance alone. Each call is bounded by OPS_SCRAPE_TIMEOUT_MS.
  OPS_METRICS_TARGETS: list.default([]).pipe(z.array(z.string().regex(/^[\w.-]+=https?:\/\/\S+$/, 'must be name=http://host:port'))),
  OPS_SCRAPE_TIMEOUT_MS: int(100, 10_000).default(1_000),
  // OpenAPI document (/api/docs-json) and Swagger UI (/api/docs), generated from the controllers
  // (apps/api/src/docs/). Unset: on outside production, off in production (loadConfig decides).
  API_DOCS_ENABLED: bool.optional(),

  // TESTS ONLY: lets a request trigger a named fault point with the `x-test-fault` header (e.g.
  // crash-after-commit: SIGKILL itself after an idempotent create committed, before the response;
  // apps/api/src/common/fault-point.ts). Off by default; refused when NODE_ENV=production.
  TEST_FAULT_INJECTION: bool.default(false),

  // Realtime chat (apps/api/src/chat/). Handshake Origin allowlist: defaults to CORS_ORIGINS.
  CHAT_ALLOWED_ORIGINS: list.optional(),
  // Per-socket token bucket for chat messages; a socket that keeps hammering is disconnected.
  CHAT_MESSAGE_RATE_PER_SECOND: int(1, 1_000).default(5),
  CHAT_MESSAGE_BURST: int(1, 10_000).default(20),
  // Largest Socket.IO packet accepted (maxHttpBufferSize); a bigger one closes that connection only.
  CHAT_MAX_PAYLOAD_BYTES: int(1_024, 1024 * 1024).default(16 * 1024),
  // A socket's presence entry expires this long after its instance's last heartbeat (instance death).
  CHAT_PRESENCE_TTL_MS: int(1_000, 600_000).default(30_000),
  // Every this often each instance tells its local room members the room's newest stored id
  // (room:head, sent without Redis); a client behind it catches up from PostgreSQL. Bounds how long
  // a message missed live (Redis outage, a signal lost) stays missing. 0 turns it off.
  CHAT_ROOM_HEAD_INTERVAL_MS: int(0, 600_000).default(5_000),
  // Connection-state recovery window: a client back within it gets missed events replayed.
  CHAT_RECOVERY_WINDOW_MS: int(0, 3_600_000).default(120_000),

  // Image uploads (POST /api/user/image): stored under STORAGE_DIR, resized by the worker.
  ...storageConfigShape,
  UPLOAD_MAX_BYTES: int(1_024, 50 * 1024 * 1024).default(5 * 1024 * 1024),
});

/**
 * Decided after loading: API_DOCS_ENABLED (explicit value, else on unless NODE_ENV=production) and
 * DB_POOL_MIN (explicit value, else DB_POOL_MAX).
 */
export type AppConfig = Readonly<Omit<z.infer<typeof appConfigSchema>, 'API_DOCS_ENABLED' | 'DB_POOL_MIN'> & { API_DOCS_ENABLED: boolean; DB_POOL_MIN: number }>;
