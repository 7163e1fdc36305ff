export interface PgBouncerSettings {
  /** Where PgBouncer listens (127.0.0.1). */
  port: number;
  /** The PostgreSQL it pools, as the apps would reach it directly. */
  upstreamUrl: string;
  /** Server connections PgBouncer opens at most (default_pool_size = max_db_connections). */
  poolSize: number;
  /** Client connections it accepts (the app pools), with room for reconnects. */
  maxClientConn: number;
  /** A transaction waiting this long for a server connection fails (the apps answer 503). */
  queryWaitTimeoutMs: number;
  /** Applied on every server connection (clients cannot send it at login through PgBouncer 1.18). */
  statementTimeoutMs: number;
  /** Its ini and userlist go here. */
  dir: string;
}

/** The URL the apps use instead of upstreamUrl: same database, user and password, PgBouncer's port. */
export function pooledUrl(settings: Pick<PgBouncerSettings, 'port' | 'upstreamUrl'>): string {
  const url = new URL(settings.upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(settings.port);
  return url.toString();
}

/**
 * pgbouncer.ini for the stack (the compose twin is infra/pgbouncer/pgbouncer.ini).
 * - pool_mode transaction: a server connection serves a client for one transaction, so many app
 *   pools share few PostgreSQL backends. What that forbids is listed in infra/pgbouncer/README.md.
 * - connect_query: the session settings the apps send at login when direct (create-pool.ts) are
 *   set on each server connection instead; every client wants the same values.
 * - default_pool_size = max_db_connections: the hard cap the connection budget promises.
 * - query_wait_timeout: waiting for a server connection is bounded like the app pool's acquire.
 * - server_login_retry 1 s (15 s by default): service returns within a second of PostgreSQL.
 * - auth_type trust on loopback, like the local PostgreSQL; production uses scram + auth_query.
 */
export function renderPgBouncerIni(settings: PgBouncerSettings): string {
  const upstream = new URL(settings.upstreamUrl);
  const database = decodeURIComponent(upstream.pathname.slice(1));
  if (!/^[\w-]+$/.test(database)) throw new Error(`unsupported database name for PgBouncer: ${database}`);
  const seconds = (ms: number) => String(Math.max(ms, 1) / 1000);
  const connectQuery = `SET statement_timeout = ${Math.round(settings.statementTimeoutMs)}; SET jit = off`;
  return [
    '[databases]',
    `${database} = host=${upstream.hostname} port=${upstream.port || 5432} dbname=${database} connect_query='${connectQuery}'`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${settings.port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${settings.dir}/userlist.txt`,
    `admin_users = ${decodeURIComponent(upstream.username) || 'postgres'}`,
    'pool_mode = transaction',
    `default_pool_size = ${settings.poolSize}`,
    `max_db_connections = ${settings.poolSize}`,
    'reserve_pool_size = 0',
    `max_client_conn = ${settings.maxClientConn}`,
    `query_wait_timeout = ${seconds(settings.queryWaitTimeoutMs)}`,
    'server_connect_timeout = 5',
    'server_login_retry = 1',
    // pg sends extra_float_digits at login (a harmless default); anything else is refused.
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n');
}

/** auth_file: the user of the upstream URL (and its password, which PgBouncer uses to log in upstream). */
export function renderUserlist(upstreamUrl: string): string {
  const url = new URL(upstreamUrl);
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${quote(decodeURIComponent(url.username) || 'postgres')} ${quote(decodeURIComponent(url.password))}\n`;
}
