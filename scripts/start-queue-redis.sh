#!/usr/bin/env bash
# Starts the local queue Redis (BullMQ role: noeviction + appendonly, infra/redis/queue.conf)
# on QUEUE_REDIS_PORT (default 6380) with its data in var/redis-queue. No-op if it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${QUEUE_REDIS_PORT:-6380}"
if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  echo "queue Redis already answering on $port"
  exit 0
fi
mkdir -p var/redis-queue
redis-server infra/redis/queue.conf --port "$port" --dir "$PWD/var/redis-queue" --daemonize yes --logfile "$PWD/var/redis-queue/redis.log"
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null || { echo "queue Redis did not start on $port" >&2; exit 1; }
echo "queue Redis up on $port (noeviction, appendonly)"
