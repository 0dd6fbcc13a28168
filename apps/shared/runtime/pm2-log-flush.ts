// pm2 destroys an app's log streams as soon as it sees the process exit (God/ForkMode.js, on
// 'exit'), dropping lines it has read from the pipe but not yet written to the file. Under load the
// "stopped" line went missing that way. So before exiting, an app waits until pm2 has written its
// last line to the log file pm2 names in the app's environment (pm_out_log_path), for a bounded
// time. Outside pm2 there is nothing to wait for.
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const POLL_MS = 20;
/** How much of the file's end is searched for the line. */
const TAIL_BYTES = 64 * 1024;

/** The pm2 log file this process's stdout goes to, if any. */
export function pm2OutLog(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.pm_out_log_path;
  return file && file !== "/dev/null" && file !== "NULL" ? file : undefined;
}

/** The file's size now: the offset after which the next line will appear. */
export function logOffset(file: string | undefined): number {
  if (!file) return 0;
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Resolves once `marker` appears in `file` after `offset`, or after `timeoutMs`; true if it did. */
export async function waitForLogLine(file: string | undefined, offset: number, marker: string, timeoutMs: number): Promise<boolean> {
  if (!file) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tailContains(file, offset, marker)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

function tailContains(file: string, offset: number, marker: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    // A file smaller than the offset was rotated (copied, then truncated): start from its top.
    const from = Math.max(size < offset ? 0 : offset, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.includes(marker);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
