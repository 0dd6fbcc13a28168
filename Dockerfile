# syntax=docker/dockerfile:1
# oam-status-suite: the four apps under pm2-runtime, production profile.

# --- build: compile TypeScript, then keep production dependencies only ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# zeromq ships prebuilt binaries: no install scripts needed (npm 11 would not run them anyway).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY apps ./apps
RUN npm run build && npm prune --omit=dev --ignore-scripts

# --- runtime ---
FROM node:22-bookworm-slim
ARG APP_UID=2001
ARG APP_GID=2001
# The version is package.json's (test/unit/image-labels.test.ts keeps them equal). pm2, in the
# image, is AGPL-3.0 (README, "Licences").
LABEL org.opencontainers.image.title="oam-status-suite" \
      org.opencontainers.image.description="OpenAerialMap tiling-job status suite: SQS poller, status writer, catalog notifier and janitor under pm2" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.source="https://github.com/hotosm/oam-status-suite" \
      org.opencontainers.image.licenses="BSD-3-Clause"
# pm2's home and the bus sockets are the container's own (/var/lib/oam-status), so each replica
# runs its own pm2 and its own bus; only the logs go to the shared volume, one folder per host.
ENV NODE_ENV=production \
    LOG_DIR=/data/log/{hostname} \
    OAM_RUN_DIR=/var/lib/oam-status/run \
    PM2_HOME=/var/lib/oam-status/pm2 \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
RUN groupadd -g "$APP_GID" oam \
 && useradd -u "$APP_UID" -g "$APP_GID" -d /app -s /usr/sbin/nologin oam \
 && mkdir -p /data/log /var/lib/oam-status/run /var/lib/oam-status/pm2 \
 && chown -R "$APP_UID:$APP_GID" /data /var/lib/oam-status
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ecosystem.config.js ./
COPY config ./config
# `oam-status` on the PATH: npm links the bins of dependencies into node_modules/.bin, not the
# project's own.
RUN chmod 755 dist/apps/cli/main.js && ln -s /app/dist/apps/cli/main.js /usr/local/bin/oam-status
USER ${APP_UID}
VOLUME /data
# Unhealthy when an app is not online in pm2 or the poller has not completed a poll for
# OAM_HEALTH_MAX_POLL_AGE_SECONDS (120 s): GET /healthz on the janitor's monitoring endpoint
# (OAM_METRICS_HOST/OAM_METRICS_PORT, 127.0.0.1:9477) with bash, no Node process per probe;
# `oam-status health` prints the details.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["bash", "config/healthcheck.sh"]
CMD ["pm2-runtime", "ecosystem.config.js", "--env", "production"]
