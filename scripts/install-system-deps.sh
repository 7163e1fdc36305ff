#!/usr/bin/env bash
# Debian packages the project needs beyond the machine's base image. Idempotent: installs only
# what is missing (apt-get update runs once, and only then).
#   scripts/install-system-deps.sh          everything the test suite needs (called by .ci/run)
#   scripts/install-system-deps.sh --stack  only what `npm run stack` needs (called by `npm start`)
set -euo pipefail

missing=()
if [ "${1:-}" != "--stack" ]; then
  # chromium: the web app's end-to-end test (apps/web/e2e) drives Debian's Chromium with playwright-core.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # pgbouncer: the database-tier suite (npm run test:db-tier) and `npm run stack -- --pgbouncer`.
  command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
fi
# haproxy: the load balancer of the no-Docker stack (npm run stack, infra/test/stack/*).
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# prometheus (+ promtool): the stack's monitoring and `promtool check/test rules` (infra/test/prometheus.spec.ts).
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "system packages present"
