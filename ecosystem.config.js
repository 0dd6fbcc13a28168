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
// LOG_DIR's `{hostname}` (the image: /data/log/{hostname}) is replaced as the apps' config does it.
// pm2's kill_timeout comes from the apps' stop budget (apps/shared/runtime/stop-budget.ts), so it always
// outlasts their own deadline. Both rules are read from the build.
let resolveLogDir, stopTimeoutMs, killTimeoutMs, SUITE_APPS;
try {
  ({ SUITE_APPS } = require("./dist/apps/shared/runtime/names.js"));
  ({ resolveLogDir } = require("./dist/apps/shared/runtime/log-dir.js"));
  ({ stopTimeoutMs } = require("./dist/apps/shared/runtime/config.js"));
  ({ killTimeoutMs } = require("./dist/apps/shared/runtime/stop-budget.js"));
} catch (err) {
  throw new Error(`ecosystem.config.js needs the compiled suite: run \`npm run build\` first (${err.message})`, { cause: err });
}
const logDir = resolveLogDir(process.env.LOG_DIR || "./data/log", root);
fs.mkdirSync(logDir, { recursive: true });

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
    kill_timeout: killTimeoutMs(stopTimeoutMs()),
    // Up once it says so (process.send("ready") after starting), not when the process exists:
    // `pm2 restart` returns, and the next restart can come, only after the app can stop cleanly.
    wait_ready: true,
    listen_timeout: 20_000,
    max_memory_restart: "300M",
    // V8 sizes its heap for the machine's memory and keeps what a burst made it grow, far above
    // what an app holds live. A smaller young generation and an old-generation cap well under
    // max_memory_restart keep each app small, for a few percent of throughput (docs/performance.md).
    node_args: ["--max-semi-space-size=4", "--max-old-space-size=192"],
    // pm2 loads its own copy of @pm2/io (pm2-io-bpm, 12 MB of RSS) into every app unless told not
    // to; the apps report through tx2 instead, runtime gauges included (apps/shared/runtime/metrics.ts).
    pmx: false,
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
  apps: SUITE_APPS.map((name) => app(name)),
};
