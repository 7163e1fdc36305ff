# syntax=docker/dockerfile:1
# The web front end: Vite build, then static files served by unprivileged nginx on :8080.
# HAProxy routes everything that is not /api, /health or /socket.io here (infra/haproxy/haproxy.cfg).
ARG NODE_IMAGE=node:24-slim
# Overridable for machines that cannot pull it (scripts/images/build-with-podman.sh makes a local one).
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
COPY libs/ libs/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w @conduit/web

FROM ${NGINX_IMAGE} AS web
COPY infra/docker/web-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/apps/web/dist /usr/share/nginx/html
# nginx-unprivileged runs as uid 101 and listens on 8080.
USER 101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
