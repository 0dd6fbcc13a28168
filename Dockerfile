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
ENV NODE_ENV=production \
    LOG_DIR=/data/log \
    OAM_RUN_DIR=/data/run \
    PM2_HOME=/data/pm2 \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
RUN groupadd -g "$APP_GID" oam \
 && useradd -u "$APP_UID" -g "$APP_GID" -d /app -s /usr/sbin/nologin oam \
 && mkdir -p /data/log /data/run /data/pm2 \
 && chown -R "$APP_UID:$APP_GID" /data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ecosystem.config.js ./
COPY config ./config
USER ${APP_UID}
VOLUME /data
# Unhealthy when an app is not online in pm2 or the poller has not completed a poll for
# OAM_HEALTH_MAX_POLL_AGE_SECONDS (120 s): GET /healthz on the janitor's monitoring endpoint
# (OAM_METRICS_HOST/OAM_METRICS_PORT, 127.0.0.1:9477) with bash, no Node process per probe;
# `oam-status health` prints the details.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["bash", "config/healthcheck.sh"]
CMD ["pm2-runtime", "ecosystem.config.js", "--env", "production"]
