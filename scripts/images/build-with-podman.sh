#!/usr/bin/env bash
# Builds the api, worker and web images with podman on a machine without a Docker engine or registry
# access, prints their sizes and layers, and smoke-runs them. Run from anywhere in the checkout, as root:
#   bash scripts/images/build-with-podman.sh [--setup] [base|build|sizes|smoke|all]   (default: all)
#     --setup  install podman, runc and debootstrap (apt) and write the two containers.conf settings
#     base     make the local Node and nginx base images (skipped when they exist; FORCE_BASE=1 remakes them)
#     build    build conduit-api:local, conduit-worker:local (node-app.Dockerfile) and conduit-web:local
#     sizes    print each image's total size and its layers
#     smoke    run the api and worker images against this machine's PostgreSQL (PG_ADMIN_URL, default
#              postgresql://postgres@127.0.0.1:5432/postgres; a scratch database) and private Redis servers,
#              then the web image
# Each build is a few minutes of CPU: run it when nobody else is measuring on the machine.
#
# The base images are Debian bookworm (debootstrap --variant=minbase) plus this machine's own node and
# npm, or Debian's nginx: not the Dockerfiles' defaults (official node and nginx-unprivileged images),
# which cannot be pulled here. The sizes it prints are therefore "on these bases"; the app and
# node_modules layers do not depend on them.
set -euo pipefail

cd "$(dirname "$0")/../.."
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
BASE_IMAGE="${BASE_IMAGE:-localhost/node-base:${NODE_MAJOR}}"
NGINX_BASE_IMAGE="${NGINX_BASE_IMAGE:-localhost/nginx-base:bookworm}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
TARGETS=(api worker)
IMAGES=(conduit-api:local conduit-worker:local conduit-web:local)
CLEANUP=()
trap 'for cmd in "${CLEANUP[@]}"; do eval "$cmd"; done' EXIT

# podman prints an error per container with a HEALTHCHECK when systemd is not PID 1 (it schedules the
# checks as systemd timers); the check itself still runs with `podman healthcheck run`.
no_systemd_noise() { "$@" 2> >(grep -v 'systemd connection' >&2); }

setup() {
  local missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  local conf=/etc/containers/containers.conf
  if grep -qs '^runtime *= *"runc"' "$conf"; then return; fi
  if [ -f "$conf" ]; then
    echo "$conf exists: add default_ulimits (nofile, nproc) under [containers], runtime = \"runc\" under [engine]" >&2
    exit 1
  fi
  # crun rejects a hybrid cgroup layout (v1 + v2); runc accepts it. Some VMs cannot raise rlimits,
  # so containers get fixed ones instead of inheriting a raise that fails.
  cat >"$conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
  echo "wrote $conf"
}

# Sets ROOTFS (not echoed: a command substitution's subshell would lose the CLEANUP entry).
new_rootfs() {
  ROOTFS="$(mktemp -d)"
  CLEANUP+=("rm -rf '$ROOTFS'")
  debootstrap --variant=minbase "$@" bookworm "$ROOTFS" "$DEBIAN_MIRROR"
}

# Nothing at run time needs apt's lists, docs or locales.
slim_rootfs() {
  rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/locale/*
}

have_image() {
  if [ -z "${FORCE_BASE:-}" ] && podman image exists "$1"; then
    echo "base image $1 exists (FORCE_BASE=1 to remake it)"
    return 0
  fi
  return 1
}

base() {
  have_image "$BASE_IMAGE" && return
  local rootfs node_bin npm_dir
  new_rootfs
  rootfs="$ROOTFS"
  node_bin="$(readlink -f "$(command -v node)")"
  npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
  # The official node images' layout: node and npm under /usr/local, user "node" with uid 1000.
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/etc"
  cp -a "$(readlink -f "$npm_dir")" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # This machine's CA bundle: the registry may be reached through a TLS-inspecting proxy.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$rootfs/usr/local/etc/npmrc"
  slim_rootfs "$rootfs"
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE_IMAGE"
}

# Stands in for nginxinc/nginx-unprivileged (web.Dockerfile's NGINX_IMAGE): Debian's nginx running as
# uid 101, pid file and temp files in /tmp, logs to stdout/stderr, server blocks from conf.d, and
# wget for the HEALTHCHECK. Its size is Debian's, not the Alpine image's.
nginx_base() {
  have_image "$NGINX_BASE_IMAGE" && return
  local rootfs
  new_rootfs --include=nginx,wget
  rootfs="$ROOTFS"
  chroot "$rootfs" useradd --system --uid 101 --user-group --no-create-home --shell /usr/sbin/nologin nginx
  rm -f "$rootfs"/etc/nginx/sites-enabled/*
  cat >"$rootfs/etc/nginx/nginx.conf" <<'EOF'
worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    include /etc/nginx/conf.d/*.conf;
}
EOF
  mkdir -p "$rootfs/usr/share/nginx/html"
  chroot "$rootfs" chown -R nginx:nginx /var/lib/nginx /var/log/nginx
  slim_rootfs "$rootfs"
  tar -C "$rootfs" -c . | podman import --change 'USER 101' --change 'EXPOSE 8080' \
    --change 'STOPSIGNAL SIGQUIT' --change 'CMD ["nginx", "-g", "daemon off;"]' - "$NGINX_BASE_IMAGE"
}

build() {
  for target in "${TARGETS[@]}"; do
    # --format docker keeps HEALTHCHECK (the OCI format has no such field); --network host because
    # the build's npm ci needs the registry and podman's own network may not reach it.
    podman build --format docker --network host \
      --build-arg NODE_IMAGE="$BASE_IMAGE" \
      -f infra/docker/node-app.Dockerfile --target "$target" -t "conduit-${target}:local" .
  done
  # Its build stage repeats node-app's dependency steps, so they come from the layer cache.
  podman build --format docker --network host \
    --build-arg NODE_IMAGE="$BASE_IMAGE" --build-arg NGINX_IMAGE="$NGINX_BASE_IMAGE" \
    -f infra/docker/web.Dockerfile --target web -t conduit-web:local .
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

sizes() {
  local image
  for image in "$BASE_IMAGE" "$NGINX_BASE_IMAGE"; do
    echo "== base $image: $(mb "$(podman image inspect --format '{{.Size}}' "$image")")"
  done
  for image in "${IMAGES[@]}"; do
    echo "== $image: $(mb "$(podman image inspect --format '{{.Size}}' "$image")") total; layers:"
    podman history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$image" |
      awk -F'\t' '$1 != "0 B" { sub(/^\/bin\/sh -c (#\(nop\) )?/, "", $2); printf "  %9s  %s\n", $1, substr($2, 1, 100) }'
  done
  podman images --filter reference='conduit-*' --filter reference='*-base'
}

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_ready() {
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    sleep 0.5
  done
  echo "not ready: $1" >&2
  return 1
}

# Runs the api and worker images against this machine's PostgreSQL (a scratch database, created and dropped) and
# two private redis-servers on free ports (cache and queue roles, the repo's configs): migrations with
# the image's own runner, /health/ready 200 on both, one registration through the API, the
# HEALTHCHECK, then SIGTERM and exit code 0.
smoke() {
  local pg="${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
  local dir db cache_port queue_port api_port worker_port db_url code
  dir="$(mktemp -d)"
  db="conduit_images_$$"
  db_url="$(echo "$pg" | sed "s#/[^/]*\$#/$db#")"
  cache_port="$(free_port)" queue_port="$(free_port)" api_port="$(free_port)" worker_port="$(free_port)"
  CLEANUP+=("podman rm -f -i smoke-api-$$ smoke-worker-$$ >/dev/null 2>&1"
    "redis-cli -p $cache_port shutdown nosave >/dev/null 2>&1" "redis-cli -p $queue_port shutdown nosave >/dev/null 2>&1"
    "psql '$pg' -qc 'drop database if exists $db with (force)'" "rm -rf '$dir'")
  mkdir "$dir/cache" "$dir/queue"
  redis-server infra/redis/cache.conf --bind 127.0.0.1 --port "$cache_port" --dir "$dir/cache" --daemonize yes \
    --logfile "$dir/cache/redis.log"
  redis-server infra/redis/queue.conf --bind 127.0.0.1 --port "$queue_port" --dir "$dir/queue" --daemonize yes \
    --logfile "$dir/queue/redis.log"
  psql "$pg" -qc "create database $db"
  no_systemd_noise podman run --rm --network host -e DATABASE_URL="$db_url" conduit-api:local node libs/db/dist/migrate.cli.js
  no_systemd_noise podman run -d --name "smoke-api-$$" --network host -e HOST=127.0.0.1 -e PORT="$api_port" \
    -e DATABASE_URL="$db_url" -e REDIS_URL="redis://127.0.0.1:$cache_port" \
    -e JWT_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" -e SHUTDOWN_DRAIN_DELAY_MS=1000 \
    conduit-api:local >/dev/null
  no_systemd_noise podman run -d --name "smoke-worker-$$" --network host -e WORKER_HOST=127.0.0.1 -e WORKER_PORT="$worker_port" \
    -e DATABASE_URL="$db_url" -e REDIS_URL="redis://127.0.0.1:$cache_port" \
    -e QUEUE_REDIS_URL="redis://127.0.0.1:$queue_port" conduit-worker:local >/dev/null
  wait_ready "http://127.0.0.1:$api_port/health/ready"
  echo "api /health/ready 200"
  wait_ready "http://127.0.0.1:$worker_port/health/ready"
  echo "worker /health/ready 200"
  code="$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"user":{"username":"smoke","email":"smoke@example.com","password":"smoke-password-1"}}' \
    "http://127.0.0.1:$api_port/api/users")"
  echo "api POST /api/users $code"
  [ "$code" = 201 ]
  for target in api worker; do
    no_systemd_noise podman healthcheck run "smoke-$target-$$"
    echo "$target HEALTHCHECK passes"
    podman kill --signal TERM "smoke-$target-$$" >/dev/null
    code="$(podman wait "smoke-$target-$$")"
    echo "$target exit code after SIGTERM: $code"
    [ "$code" = 0 ] || { podman logs --tail 20 "smoke-$target-$$"; return 1; }
  done
  smoke_web
}

# The web image on podman's own network (its port 8080 published on a free local port): the page, a
# client-side route served by the SPA fallback, the HEALTHCHECK, and a clean stop on its STOPSIGNAL.
smoke_web() {
  local port code
  port="$(free_port)"
  CLEANUP+=("podman rm -f -i smoke-web-$$ >/dev/null 2>&1")
  no_systemd_noise podman run -d --name "smoke-web-$$" -p "127.0.0.1:$port:8080" conduit-web:local >/dev/null
  wait_ready "http://127.0.0.1:$port/"
  echo "web / 200"
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/settings")"
  echo "web /settings (SPA fallback) $code"
  [ "$code" = 200 ]
  no_systemd_noise podman healthcheck run "smoke-web-$$"
  echo "web HEALTHCHECK passes"
  no_systemd_noise podman stop -t 10 "smoke-web-$$" >/dev/null
  code="$(podman inspect --format '{{.State.ExitCode}}' "smoke-web-$$")"
  echo "web exit code after stop: $code"
  [ "$code" = 0 ]
}

steps=()
for arg in "$@"; do
  case "$arg" in
    --setup) setup ;;
    base) steps+=(base nginx_base) ;;
    build | sizes | smoke) steps+=("$arg") ;;
    all) steps+=(base nginx_base build sizes smoke) ;;
    *) echo "unknown argument: $arg" >&2 && exit 2 ;;
  esac
done
((${#steps[@]})) || steps=(base nginx_base build sizes smoke)
for step in "${steps[@]}"; do "$step"; done
