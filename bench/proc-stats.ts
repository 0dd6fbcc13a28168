// What the benchmark reads about a process from /proc: RSS, PSS and CPU time.
import { readFileSync } from "node:fs";
import { round } from "./stats";

export function pidRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size: pages shared between processes (Node's own binary and libraries, the
 * same in all five) counted once across them instead of once per process as RSS does. The sum of
 * PSS is the memory the suite takes from the machine.
 */
export function pidPssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100/s)
  } catch {
    return 0; // gone
  }
}

/** Starts counting the CPU time of named processes; the returned function gives seconds used since. */
export function cpuMeter(pids: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - start[k]]));
}

/** CPU ms per message of each process, and their total. */
export function perMessage(cpuSecondsUsed: Record<string, number>, messages: number): Record<string, number> {
  const each = Object.fromEntries(Object.entries(cpuSecondsUsed).map(([k, sec]) => [k, round((sec * 1000) / messages, 2)]));
  return { ...each, total: round(Object.values(each).reduce((a, b) => a + b, 0), 2) };
}

/** One measure of each process, and the total. */
export function ofEach(pids: Record<string, number>, measure: (pid: number) => number): Record<string, number> {
  const each = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, round(measure(pid))]));
  return { ...each, total: round(Object.values(each).reduce((a, b) => a + b, 0)) };
}
