# Node 24: an LTS line supported to April 2028 (20 reached end of life in April 2026, 22 does in April 2027).
# Functions deployed here report runtime "node24".
# Build stage: dev dependencies, TypeScript compile (npm ci runs `prepare` → tsc).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY core ./core
COPY plugins ./plugins
COPY sandbox-host ./sandbox-host
COPY config ./config
COPY test ./test
COPY bench ./bench
# Tests and the benchmark are compiled with the rest (tsconfig includes them) but never run in the image.
RUN npm ci && rm -rf dist/test dist/bench && npm prune --omit=dev

# Run stage: production dependencies and compiled output only, as the unprivileged `node` user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 9001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||process.env.FUNCTIONS_PORT||9001)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/core/main.js"]
