// Size-based rotation of an app's own pm2 log files (LOG_DIR/<app>.out.log and .err.log), done by
// the app itself so it works the same under pm2 and pm2-runtime, with no pm2 module to install.
// pm2 keeps the files open in append mode, so rotation copies then truncates: <file>.1 is the newest
// old part, up to <file>.<keep>; older parts are deleted. Copies keep the file's mode (umask).
import { copyFile, rename, rm, stat, truncate } from "node:fs/promises";
import path from "node:path";

export interface RotationSettings {
  dir: string;
  app: string;
  maxBytes: number;
  keep: number;
  intervalMs: number;
}

export async function rotateIfLarge(file: string, maxBytes: number, keep: number): Promise<boolean> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size <= maxBytes) return false;
  await rm(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    await rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
  }
  await copyFile(file, `${file}.1`);
  await truncate(file, 0);
  return true;
}

/** Checks the app's two files every interval; returns a function that stops it. */
export function startLogRotation(s: RotationSettings, onError: (err: unknown) => void): () => void {
  const files = ["out", "err"].map((k) => path.join(s.dir, `${s.app}.${k}.log`));
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.all(files.map((f) => rotateIfLarge(f, s.maxBytes, s.keep)))
      .catch(onError)
      .finally(() => (busy = false));
  }, s.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
