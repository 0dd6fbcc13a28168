// The benchmark's delaying proxy, on loopback: every request through it takes the delay longer,
// answers come back whole, and many requests on one keep-alive connection keep their order.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startDelayProxy, type DelayProxy } from "../../bench/delay-proxy";

describe("delay proxy", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function echoServer(): Promise<number> {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => res.end(`${req.url} ${body.length}`));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    return (server.address() as AddressInfo).port;
  }

  async function through(proxy: DelayProxy, agent: http.Agent, url: string, body: string): Promise<{ text: string; ms: number }> {
    const t = performance.now();
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: proxy.port, path: url, method: "POST", agent }, (res) => {
        let out = "";
        res.on("data", (c) => (out += c));
        res.on("end", () => resolve(out));
      });
      req.on("error", reject);
      req.end(body);
    });
    return { text, ms: performance.now() - t };
  }

  it("adds its delay to each request and passes bodies whole, in order", async () => {
    const proxy = await startDelayProxy(await echoServer(), 40);
    cleanups.push(() => proxy.close());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    const big = "x".repeat(200_000);
    const results = await Promise.all([1, 2, 3].map((i) => through(proxy, agent, `/r${i}`, i === 2 ? big : "small")));
    expect(results.map((r) => r.text)).toEqual(["/r1 5", `/r2 ${big.length}`, "/r3 5"]);
    // One connection, one request after another: each waited at least the delay once more.
    const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
    expect(sorted[0]).toBeGreaterThanOrEqual(39);
    expect(sorted[2]).toBeGreaterThanOrEqual(3 * 39);
    expect(proxy.stats.connections).toBe(1);
  });
});
