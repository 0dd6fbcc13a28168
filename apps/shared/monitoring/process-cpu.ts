// CPU time a process has used, from Linux's /proc/<pid>/stat (utime + stime, in clock ticks of
// 1/100 s: Linux reports them in USER_HZ, 100 on every architecture). A counter, which is what
// Prometheus wants for CPU; pm2's own reading is a percentage over whatever window its previous
// caller left. Elsewhere than Linux, or for a process that is gone, undefined.
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export function processCpuSeconds(pid: number): number | undefined {
  if (!(pid > 0)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
