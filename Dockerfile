# The daemon and the sandbox, for users who run containers (docker-compose.yml).
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# Collect garbage before the heap grows past this (README "Memory"); the sandbox service clears it.
ENV NODE_OPTIONS=--max-old-space-size=256
ENTRYPOINT ["node", "bin/intercom-sync.js"]
CMD ["daemon"]
