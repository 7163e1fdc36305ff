#!/usr/bin/env bash
# Builds the api and worker images with podman on a machine without a Docker engine or registry
# access, then prints their sizes and layers. Run from anywhere in the checkout, as root:
#   bash scripts/images/build-with-podman.sh [--setup] [base|build|sizes|all]   (default: all)
#     --setup  install podman, runc and debootstrap (apt) and write the two containers.conf settings
#     base     make the local Node base image (skipped when it exists; FORCE_BASE=1 remakes it)
#     build    build conduit-api:local and conduit-worker:local from infra/docker/node-app.Dockerfile
#     sizes    print each image's total size and its layers
# Each build is a few minutes of CPU: run it when nobody else is measuring on the machine.
#
# The base image is Debian bookworm (debootstrap --variant=minbase) plus this machine's own node and
# npm, not the Dockerfile's default official node image, which cannot be pulled here. The sizes it
# prints are therefore "on this base"; the app and node_modules layers do not depend on it.
set -euo pipefail

cd "$(dirname "$0")/../.."
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
BASE_IMAGE="${BASE_IMAGE:-localhost/node-base:${NODE_MAJOR}}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
TARGETS=(api worker)

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

base() {
  if [ -z "${FORCE_BASE:-}" ] && podman image exists "$BASE_IMAGE"; then
    echo "base image $BASE_IMAGE exists (FORCE_BASE=1 to remake it)"
    return
  fi
  local rootfs node_bin npm_dir
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' RETURN
  node_bin="$(readlink -f "$(command -v node)")"
  npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR"
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
  # Nothing at run time needs apt's lists, docs or locales.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE_IMAGE"
}

build() {
  for target in "${TARGETS[@]}"; do
    # --format docker keeps HEALTHCHECK (the OCI format has no such field); --network host because
    # the build's npm ci needs the registry and podman's own network may not reach it.
    podman build --format docker --network host \
      --build-arg NODE_IMAGE="$BASE_IMAGE" \
      -f infra/docker/node-app.Dockerfile --target "$target" -t "conduit-${target}:local" .
  done
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

sizes() {
  echo "== base: $BASE_IMAGE ($(mb "$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")"))"
  for target in "${TARGETS[@]}"; do
    local image="conduit-${target}:local"
    echo "== $image: $(mb "$(podman image inspect --format '{{.Size}}' "$image")") total"
    podman history --human=false --format '{{.Size}}\t{{.CreatedBy}}' "$image" |
      awk -F'\t' '$1 > 0 { printf "  %9.1f MB  %s\n", $1 / 1000000, substr($2, 1, 110) }'
  done
  podman images --filter reference=conduit-api --filter reference=conduit-worker \
    --filter reference=node-base
}

steps=()
for arg in "$@"; do
  case "$arg" in
    --setup) setup ;;
    base | build | sizes) steps+=("$arg") ;;
    all) steps+=(base build sizes) ;;
    *) echo "unknown argument: $arg" >&2 && exit 2 ;;
  esac
done
((${#steps[@]})) || steps=(base build sizes)
for step in "${steps[@]}"; do "$step"; done
