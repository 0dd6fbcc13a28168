// Memory and CPU of a process from Linux's /proc, for the benchmarks.
import { readFileSync } from "node:fs";

/** Resident set size in MB (0 when the process is gone). */
export function pidRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in MB: pages shared between processes counted once across them. */
export function pidPssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) used so far (0 when the process is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100/s)
  } catch {
    return 0;
  }
}
