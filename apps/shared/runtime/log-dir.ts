// LOG_DIR may hold `{hostname}`, replaced by this host's name: several copies of the suite writing
// to one shared volume (compose replicas, each its own hostname) keep their log files apart. One
// rule for pm2 (ecosystem.config.js, which loads this file compiled) and the apps and CLI (config).
import os from "node:os";
import path from "node:path";

export const HOSTNAME_PLACEHOLDER = "{hostname}";

/** LOG_DIR with `{hostname}` replaced, resolved against `cwd`. */
export function resolveLogDir(value: string, cwd = process.cwd(), hostname = os.hostname()): string {
  return path.resolve(cwd, value.split(HOSTNAME_PLACEHOLDER).join(hostname));
}
