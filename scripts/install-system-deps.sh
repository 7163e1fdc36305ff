#!/usr/bin/env bash
# Debian packages the test suite needs beyond the machine's base image. Idempotent: installs only
# what is missing (apt-get update runs once, and only then). Called by .ci/run before `npm test`.
set -euo pipefail

missing=()
# chromium: the web app's end-to-end test (apps/web/e2e) drives Debian's Chromium with playwright-core.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# haproxy: the load balancer of the no-Docker stack (npm run stack, infra/test/stack/*).
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# prometheus (+ promtool): the stack's monitoring and `promtool check/test rules` (infra/test/prometheus.spec.ts).
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "system packages present: chromium haproxy prometheus promtool"
