# The linkage worker image (docker-compose.temporal.yml builds it as `linkage-worker`).
#
# It runs the TypeScript sources with tsx (`node --import tsx worker/main.ts`), exactly as `npm run
# worker` does: tsx is a runtime dependency in package.json, so `npm ci --omit=dev` keeps it, and the
# workflows are bundled from their .ts sources by the Temporal SDK at start anyway. One process, so
# SIGTERM reaches the worker and it drains (docs/deploy/compose.md).

# 1. Production dependencies, built where a compiler exists (better-sqlite3 may build from source).
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. The runtime: slim image, no build tools, non-root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY starter ./starter
COPY worker ./worker
USER node
# Prometheus endpoint when METRICS_PORT=9464 (the compose file sets it).
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "worker/main.ts"]
