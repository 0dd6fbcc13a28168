// A regime is where the contenders' calls go: straight to the local servers (loopback), or through
// the delaying proxy (AWS-like: each SQS, S3 and catalog call takes a set time longer, as from a
// host in the region).
import { forkReport } from "./fork-report";
import type { RegimeName } from "./options";

interface Upstreams {
  sqs: string;
  /** One per S3 server, by name. */
  s3: Record<string, string>;
  catalog: string;
}

export interface Regime {
  name: RegimeName;
  delays: { sqs: number; s3: number; catalog: number };
  sqs: string;
  s3: Record<string, string>;
  catalog: string;
  /** The same queue, reached through this regime's SQS endpoint. */
  queueUrl(url: string): string;
  /** The proxy's process, when there is one (its CPU is reported apart, not as a contender's). */
  proxyPid?: number;
  close(): Promise<void>;
}

const portOf = (url: string) => Number(new URL(url).port);
const originOf = (port: number) => `http://127.0.0.1:${port}`;

function reroute(url: string, origin: string): string {
  const u = new URL(url);
  return `${origin}${u.pathname}${u.search}`;
}

export async function openRegime(name: RegimeName, delays: Regime["delays"], up: Upstreams): Promise<Regime> {
  if (name === "loopback") {
    return { name, delays: { sqs: 0, s3: 0, catalog: 0 }, ...up, queueUrl: (url) => url, close: async () => undefined };
  }
  const stores = Object.keys(up.s3);
  const targets = [`${portOf(up.sqs)}:${delays.sqs}`, `${portOf(up.catalog)}:${delays.catalog}`, ...stores.map((s) => `${portOf(up.s3[s])}:${delays.s3}`)];
  const { report, child } = await forkReport<{ ports: number[] }>("delay-proxy", targets);
  const [sqsPort, catalogPort, ...s3Ports] = report.ports;
  return {
    name,
    delays,
    sqs: originOf(sqsPort),
    catalog: originOf(catalogPort),
    s3: Object.fromEntries(stores.map((s, i) => [s, originOf(s3Ports[i])])),
    queueUrl: (url) => reroute(url, originOf(sqsPort)),
    proxyPid: child.pid,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
