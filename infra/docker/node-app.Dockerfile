# syntax=docker/dockerfile:1
# Images for the API and the worker (compose.yaml picks one with `target:`). Multi-stage:
#   build  - all dependencies, SWC build of every workspace, Prisma client generation
#   prod-deps - production dependencies only, pruned to the api/worker runtime closure (scripts/prune-runtime-deps.mjs)
#   api / worker - node:24-slim + dist + prod node_modules, non-root, with a HEALTHCHECK
# Checked structurally by infra/test/compose.spec.ts (no Docker engine on the build machines).
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependency layer first (libs/ brings the workspace package.json files npm ci needs).
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
COPY libs/ libs/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
COPY libs/ libs/
COPY prisma/schema.prisma prisma/
COPY scripts/prune-runtime-deps.mjs scripts/
# --omit=dev still keeps optional peers that are also devDependencies (the Prisma CLI and Studio,
# TypeScript, effect, pglite: ~250 MB): the prune keeps only the api/worker runtime closure of the
# lockfile (and drops other databases' Prisma compilers and .d.ts files). About 140 MB remain;
# asserted by infra/test/runtime-deps.spec.ts, which also boots the API and worker on the pruned tree.
RUN npm ci --omit=dev --no-audit --no-fund && node scripts/prune-runtime-deps.mjs && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime-base
ENV NODE_ENV=production
WORKDIR /app
# Workspace links in node_modules/@conduit/* point at /app/libs/<name>: copy the built libs.
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/libs ./libs
COPY --from=build --chown=node:node /app/prisma/migrations ./prisma/migrations
RUN rm -rf libs/*/src libs/*/test && mkdir -p /app/var/storage && chown node:node /app/var/storage
# The official image's unprivileged user (uid 1000).
USER node

FROM runtime-base AS api
COPY --from=build --chown=node:node /app/apps/api/package.json ./apps/api/
COPY --from=build --chown=node:node /app/apps/api/dist ./apps/api/dist
EXPOSE 3000
# Liveness only: readiness (/health/ready) is the load balancer's job, and a database outage
# must not make Docker mark every instance unhealthy at once.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1's only child-free process and receives SIGTERM for the drain.
# --max-semi-space-size: libs/stack/src/api-node-flags.ts (the same flags as npm start).
CMD ["node", "--max-semi-space-size=32", "--enable-source-maps", "apps/api/dist/main.js"]

FROM runtime-base AS worker
COPY --from=build --chown=node:node /app/apps/worker/package.json ./apps/worker/
COPY --from=build --chown=node:node /app/apps/worker/dist ./apps/worker/dist
EXPOSE 3100
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_PORT||3100)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "apps/worker/dist/main.js"]
