// pm2 apps of oam-status-suite (production profile).
//
//   pm2-runtime ecosystem.config.js --env production   (the Docker image)
//   pm2 start ecosystem.config.js --env production
//
// Variables come from the environment pm2 is started in (see README, "Configuration").
// The local profile, config/ecosystem.local.config.js, adds the local SQS and S3 servers.
const fs = require("node:fs");
const path = require("node:path");

const root = __dirname;
const logDir = path.resolve(root, process.env.LOG_DIR || "./data/log");
fs.mkdirSync(logDir, { recursive: true });

// Longer than the apps' own stop deadline (OAM_STOP_TIMEOUT_SECONDS, 10 s by default + 2 s).
const stopTimeoutMs = (Number(process.env.OAM_STOP_TIMEOUT_SECONDS) || 10) * 1000;
const killTimeoutMs = stopTimeoutMs + 5000;

/** One pm2 app: compiled entry point, own log files in LOG_DIR, backoff on crash. */
function app(name, extra = {}) {
  return {
    name,
    script: path.join(root, "dist/apps", name, "main.js"),
    cwd: root,
    exec_mode: "fork",
    instances: 1,
    autorestart: true,
    // A bad config exits at once: restart with a growing delay (up to 15 s), not in a tight loop.
    exp_backoff_restart_delay: 200,
    kill_timeout: killTimeoutMs,
    // Up once it says so (process.send("ready") after starting), not when the process exists:
    // `pm2 restart` returns, and the next restart can come, only after the app can stop cleanly.
    wait_ready: true,
    listen_timeout: 20_000,
    max_memory_restart: "300M",
    // V8 sizes its heap for this machine's memory and keeps what a burst made it grow: a writer
    // that holds ~25 MB of live data sat at 170-200 MB RSS after draining a backlog. A smaller
    // young generation and an old-generation cap well under max_memory_restart keep each app near
    // 100 MB, for a few percent of throughput (docs/performance.md).
    node_args: ["--max-semi-space-size=4", "--max-old-space-size=192"],
    out_file: path.join(logDir, `${name}.out.log`),
    error_file: path.join(logDir, `${name}.err.log`),
    merge_logs: true,
    time: false,
    env: {
      LOG_DIR: logDir,
      // The SDK warns once per process that its 2027 releases need Node 22; the lockfile pins ours.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    env_production: { NODE_ENV: "production" },
    ...extra,
  };
}

module.exports = {
  app,
  apps: [app("poller"), app("status-writer"), app("catalog-notifier"), app("janitor")],
};
