// A TCP proxy on loopback that holds every chunk a client sends for a fixed delay before passing it
// on, so each HTTP request through it (SQS, S3, the catalog) takes that much longer, as a call to
// AWS or to the OAM API does from a host in the same region. Chunks keep their order (the delay
// is the same for all), answers come back at once. Run as a child process (`fork`) so its CPU is
// not the benchmark's: argv is `<upstream port>:<delayMs> ...`, one listener per upstream; it sends
// back `{ ports: [...] }` once listening, and exits when the parent disconnects.
import net from "node:net";

export interface DelayProxy {
  port: number;
  /** Connections accepted so far. */
  readonly stats: { connections: number };
  close(): Promise<void>;
}

export async function startDelayProxy(upstreamPort: number, delayMs: number): Promise<DelayProxy> {
  const stats = { connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    stats.connections++;
    const upstream = net.connect(upstreamPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.on("data", (chunk) => setTimeout(() => upstream.destroyed || upstream.write(chunk), delayMs));
    client.on("end", () => setTimeout(() => upstream.end(), delayMs));
    upstream.pipe(client);
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

if (require.main === module) {
  const upstreams = process.argv.slice(2).map((a) => a.split(":").map(Number));
  if (!upstreams.length || upstreams.some(([port, delay]) => !Number.isInteger(port) || port <= 0 || !Number.isFinite(delay) || delay < 0)) {
    console.error(`delay-proxy: expected <upstream port>:<delayMs> ..., got "${process.argv.slice(2).join(" ")}"`);
    process.exit(2);
  }
  Promise.all(upstreams.map(([port, delay]) => startDelayProxy(port, delay))).then(
    (proxies) => {
      process.send?.({ ports: proxies.map((p) => p.port) });
      process.on("disconnect", () => process.exit(0));
    },
    (err) => {
      console.error(`delay-proxy: ${err.message}`);
      process.exit(1);
    },
  );
}
