// An HTTP proxy in front of an S3 server that refuses writes to chosen keys with S3's own 403
// AccessDenied answer: how a bucket policy that does not let our credentials write a key looks to
// the suite (IAM itself cannot run here). Everything else passes through untouched.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface DenyProxy {
  endpoint: string;
  /** Path fragments (`/<bucket>/<key>`) whose PUTs are refused. */
  denied: Set<string>;
  refusals: number;
  close(): Promise<void>;
}

export async function startDenyProxy(target: string): Promise<DenyProxy> {
  const upstream = new URL(target);
  const denied = new Set<string>();
  const state = { refusals: 0 };
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "").split("?")[0]);
    if (req.method === "PUT" && denied.has(path)) {
      state.refusals++;
      req.resume();
      res.writeHead(403, { "content-type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      res.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    denied,
    get refusals() {
      return state.refusals;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
