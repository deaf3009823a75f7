# syntax=docker/dockerfile:1
# One image for every process of the stack: the API (default), a worker, the mock vendors.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json app.ts server.ts start.ts ./
COPY core core
COPY plugins plugins
COPY routes routes
COPY workers workers
COPY vendors vendors
RUN npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
# The Lua scripts and the dashboard's files are read at run time from beside package.json (tsc does not copy them into dist/).
COPY core/backends/redis/scripts core/backends/redis/scripts
COPY routes/dashboard routes/dashboard
# docker-compose's VENDORS_FILE: the mock vendors at their service names.
COPY vendors/compose.json vendors/compose.json
USER node
EXPOSE 3000
# Slim images have no curl; Node 22 has fetch. The worker and the mock vendors override this in docker-compose.yml.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
