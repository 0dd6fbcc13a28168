// Loads modules one after another in a fresh process and reports what each added to its memory:
// RSS and PSS (after a full GC, so garbage of the loading does not count) and the V8 heap in use.
// Run with --expose-gc; argv: module specifiers (a package name or an absolute path).
import { readFileSync } from "node:fs";

function measure() {
  (global as unknown as { gc: () => void }).gc();
  const rollup = readFileSync("/proc/self/smaps_rollup", "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
  return { rssMb: kb("Rss") / 1024, pssMb: kb("Pss") / 1024, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

const steps: Array<{ module: string; rssMb: number; pssMb: number; heapMb: number }> = [];
let last = measure();
const base = last;
for (const spec of process.argv.slice(2)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(spec);
  const now = measure();
  steps.push({ module: spec, rssMb: now.rssMb - last.rssMb, pssMb: now.pssMb - last.pssMb, heapMb: now.heapMb - last.heapMb });
  last = now;
}
// Tagged: a loaded module may use the IPC channel too (@pm2/io does).
process.send?.({ libraryLoad: { base, steps, total: last } }, () => process.exit(0));
