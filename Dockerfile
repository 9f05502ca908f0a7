# The daemon (and the bundled sandbox) as an image. The build stage compiles TypeScript to dist/;
# the runtime stage holds dist/, the production dependencies and nothing else (no src/, no tsx, no
# dev tree in any layer), and runs as the unprivileged `node` user.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin/intercom-pg-sync.js ./bin/
# The app role script (README "Security"):
#   docker run --rm --entrypoint cat IMAGE deploy/postgres/app-role.sql | psql "$DATABASE_URL"
COPY deploy/postgres ./deploy/postgres
# Collect garbage before the heap grows past this (README "Memory"); the sandbox service clears it.
ENV NODE_OPTIONS=--max-old-space-size=256
# uid 1000 of the base image; Kubernetes' runAsNonRoot needs it numeric.
USER 1000:1000
EXPOSE 8080
# The daemon's liveness route; a one-shot command (migrate, sync) exits before the first check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/intercom-pg-sync.js"]
CMD ["daemon"]
