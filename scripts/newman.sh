#!/usr/bin/env bash
# Contract test: runs the official RealWorld Postman collection (apps/api/test/contract/) with
# newman against the BUILT API (apps/api/dist/main.js) on a throwaway, freshly migrated database.
# This checks the API contract (shapes, statuses), not traffic protection: on a busy shared box
# one argon2 registration can push the event-loop p99 past the default load-shedding threshold
# (250 ms) and the next requests would get 503, so the threshold is raised for this run
# (load shedding has its own tests in apps/api/test/traffic/).
# Needs `npm run build` first (npm run test:newman does both), PostgreSQL and Redis on localhost.
# Exits non-zero if any assertion fails; always stops the server and drops the database.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${NEWMAN_PORT:-4100}"
ADMIN_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
DB_NAME="conduit_newman_$(date +%s)_$$"
DATABASE_URL="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$ADMIN_URL" "$DB_NAME")"
COLLECTION="apps/api/test/contract/Conduit.postman_collection.json"
LOG="$(mktemp -t conduit-newman-api.XXXXXX.log)"
SERVER_PID=""

[ -f apps/api/dist/main.js ] || { echo "apps/api/dist/main.js is missing: run npm run build first" >&2; exit 1; }

cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  node -e '
    const pg = require("pg");
    const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 5000 });
    c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${process.argv[2]}" WITH (FORCE)`)).catch((e) => console.error(e.message)).finally(() => c.end());
  ' "$ADMIN_URL" "$DB_NAME"
  [ "${KEEP_LOG:-}" = 1 ] && echo "server log kept: $LOG" || rm -f "$LOG"
}
trap cleanup EXIT

DATABASE_URL="$DATABASE_URL" npm run --silent db:migrate

DATABASE_URL="$DATABASE_URL" PORT="$PORT" HOST=127.0.0.1 NODE_ENV=test LOG_LEVEL=warn \
  JWT_SECRET="newman-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')" \
  REDIS_KEY_PREFIX="newman$$:" SHUTDOWN_DRAIN_DELAY_MS=0 \
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS="${NEWMAN_LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS:-60000}" \
  node apps/api/dist/main.js >"$LOG" 2>&1 &
SERVER_PID=$!

# Wait (bounded) until the API is READY, as a load balancer would: right after start-up the
# event-loop delay can still be above the load-shedding threshold (503s).
node -e '
  const url = process.argv[1];
  const deadline = Date.now() + 30_000;
  (async () => {
    for (;;) {
      try { if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return; } catch {}
      if (Date.now() > deadline) { console.error("API did not start within 30 s"); process.exit(1); }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
' "http://127.0.0.1:$PORT/health/ready" || { cat "$LOG" >&2; exit 1; }

SUFFIX="$RANDOM$RANDOM"
npx --no-install newman run "$COLLECTION" \
  --global-var "APIURL=http://127.0.0.1:$PORT/api" \
  --global-var "USERNAME=u$SUFFIX" \
  --global-var "EMAIL=u$SUFFIX@mail.com" \
  --global-var "PASSWORD=password" \
  --reporters cli --reporter-cli-no-console
