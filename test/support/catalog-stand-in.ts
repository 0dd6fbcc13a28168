// A real HTTP server standing in for the OAM Catalog: records every request and answers from a
// script (status codes in order, then 200), or hangs when told to.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface CatalogStandIn {
  url: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order ("hang" never answers); afterwards 200. */
  script: Array<number | "hang">;
  close(): Promise<void>;
}

/** Starts the stand-in; `port` reuses a port (a catalog coming back after an outage). */
export async function startCatalogStandIn(port = 0): Promise<CatalogStandIn> {
  const requests: RecordedRequest[] = [];
  const script: Array<number | "hang"> = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json, at: Date.now() });
      const answer = script.length ? script.shift()! : 200;
      if (answer === "hang") {
        hanging.push(res);
        return;
      }
      res.writeHead(answer, { "content-type": "application/json" });
      // Error answers echo the Authorization header, as careless servers do: it must not reach a log.
      res.end(JSON.stringify(answer < 300 ? { ok: true } : { error: `scripted ${answer}`, echo: req.headers.authorization }));
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    script,
    async close() {
      hanging.forEach((r) => r.destroy());
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
