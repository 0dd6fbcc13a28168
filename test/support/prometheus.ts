// Reading a /metrics scrape in tests: the samples by name and labels, and promtool's verdict.
import { execFile, execFileSync } from "node:child_process";

/** Why promtool cannot be used here, or undefined when it can. */
export const promtoolMissing: string | undefined = (() => {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore", timeout: 10_000 });
    return undefined;
  } catch {
    return "promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it)";
  }
})();

/** `promtool check metrics` on an exposition: its complaints, empty when it passes. */
export function promtoolCheck(exposition: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("promtool", ["check", "metrics"], { timeout: 30_000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      // promtool exits 1 with lint problems (printed) and 3 when it cannot parse the input.
      if (err && !out) reject(err);
      else resolve(err ? out || `promtool exited with ${err.code}` : out);
    });
    child.stdin!.end(exposition);
  });
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = JSON.parse(`"${l[2]}"`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of one sample, matching the given labels, or undefined. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
