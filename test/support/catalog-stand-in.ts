// A real HTTP server standing in for the OAM Catalog, with the behaviour hotosm/oam-api documents
// (routes/tms.js, controllers/tms.js): POST /tms upserts a TMS record by uri (stored, as the API
// stores it, with `uri` as a list); GET /tms?uri=<uri> answers `{ meta, results }` with the records
// of that uri, from what it has accepted. Records every POST, answers from a script (status codes
// in order, then 200) or a function, or hangs when told to.
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

/** A status; "hang" never answers; "accept-then-hang" upserts the record and never answers (a 2xx lost on the way). */
export type Answer = number | "hang" | "accept-then-hang";

export interface CatalogStandIn {
  url: string;
  /** Every POST /tms, in order of arrival. */
  requests: RecordedRequest[];
  /** Every GET /tms?uri= query. */
  queries: RecordedRequest[];
  /** The uris of the records it holds: what a 2xx answer to a POST accepted. */
  accepted: Set<string>;
  /** Answers for the next POSTs, in order ("hang" never answers); afterwards `respond`, then 200. */
  script: Answer[];
  /** Decides the answer to a POST the script leaves open (undefined: 200). */
  respond?: (req: RecordedRequest) => Answer | undefined;
  /** How GET /tms?uri= is answered: from the records (as the OAM API does), or with this status (an older catalog). */
  lookup: "records" | number;
  /** Back to a fresh stand-in on the same port: no requests, queries, records, script or answer rules. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the stand-in; `port` reuses a port (a catalog coming back after an outage). */
export async function startCatalogStandIn(port = 0): Promise<CatalogStandIn> {
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
      const recorded: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json, at: Date.now() };
      const send = (status: number, answer: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      };
      if (req.method === "GET") {
        standIn.queries.push(recorded);
        if (standIn.lookup !== "records") return send(standIn.lookup, { statusCode: standIn.lookup, error: "Not Found" });
        const uri = new URL(req.url ?? "/", "http://stand-in").searchParams.get("uri");
        const results = uri && standIn.accepted.has(uri) ? [{ uri: [uri], images: [] }] : [];
        return send(200, { meta: { provided_by: "catalog stand-in", page: 1, limit: 100, found: results.length }, results });
      }
      standIn.requests.push(recorded);
      const answer = standIn.script.length ? standIn.script.shift()! : (standIn.respond?.(recorded) ?? 200);
      if (answer === "hang" || answer === "accept-then-hang") {
        if (answer === "accept-then-hang") standIn.accepted.add((json as { uri?: string } | undefined)?.uri ?? "");
        hanging.push(res);
        return;
      }
      if (answer < 300) {
        standIn.accepted.add((json as { uri?: string } | undefined)?.uri ?? "");
        return send(answer, { ok: true });
      }
      // Error answers echo the Authorization header, as careless servers do: it must not reach a log.
      send(answer, { error: `scripted ${answer}`, echo: req.headers.authorization });
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const standIn: CatalogStandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    queries: [],
    accepted: new Set<string>(),
    script: [],
    respond: undefined,
    lookup: "records",
    reset() {
      standIn.requests.length = 0;
      standIn.queries.length = 0;
      standIn.accepted.clear();
      standIn.script.length = 0;
      standIn.respond = undefined;
      standIn.lookup = "records";
    },
    async close() {
      hanging.forEach((r) => r.destroy());
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return standIn;
}
