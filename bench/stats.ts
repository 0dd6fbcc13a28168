// Percentiles and rounding shared by the benchmark's parts.
export interface Percentiles {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { n: s.length, min: s[0], p50: q(50), p95: q(95), p99: q(99), max: s[s.length - 1] };
}

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
