# signalroom container (docs/deploy.md). Build: docker build -t signalroom .
# Run:   docker run --rm -p 8080:8080 -e TURN_SECRET=... signalroom --turn-urls turn:turn.example.com:3478
# test/ops/dockerfile.test.ts checks this file and runs its HEALTHCHECK command against a real server.

# ---- build: dev dependencies, TypeScript and the demo bundle
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY client ./client
COPY demo ./demo
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --ignore-scripts

# ---- runtime: production dependencies and dist/ only, as the unprivileged "node" user
FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (clients are told 1012 and reconnect); give it more than --drain-timeout-ms.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli.js"]
