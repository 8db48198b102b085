# signalroom container (docs/deploy.md). Build: docker build -t signalroom .
# Run:   docker run --rm -p 8080:8080 -e TURN_SECRET=... signalroom --turn-urls turn:turn.example.com:3478
# test/ops/dockerfile.test.ts checks this file, replays its build stage and runs its HEALTHCHECK
# command against a real server (the test machines have no Docker engine).

# ---- build: dev dependencies, TypeScript and the demo bundle; then only production dependencies
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protocol ./protocol
COPY src ./src
COPY client ./client
COPY demo ./demo
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --ignore-scripts

# ---- runtime: distroless Node.js (no shell, no package manager), the same Node.js line as the
# build, as the unprivileged "nonroot" user (65532). The files stay owned by root: read-only to it.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 65532:65532
EXPOSE 8080
# No shell or curl here: node itself asks /healthz (exec form).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (clients are told 1012 and reconnect); give it more than --drain-timeout-ms.
# Exec form: node is PID 1 and gets the signal itself, with no shell in between.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/nodejs/bin/node", "dist/src/cli.js"]
