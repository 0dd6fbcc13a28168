// POST <catalog>/tms with the bearer token. Classifies the outcome: 2xx done; 408, 429, 5xx,
// timeouts and network errors transient; 401 and 403 the token's fault (CatalogAuthError); any
// other 4xx permanent. And GET <catalog>/tms?uri=<uri>, which the OAM API answers with the TMS
// records of that uri (hotosm/oam-api routes/tms.js): asked when a post's outcome is unknown.
//
// Node's own http/https client, on a keep-alive agent, rather than the built-in fetch: one small
// JSON request does not need fetch's WHATWG streams, which cost the notifier memory for nothing
// (docs/performance.md).
import http from "node:http";
import https from "node:https";
import { CatalogAuthError, PermanentCatalogError, TransientError } from "../shared/util/errors";
import { redact } from "../shared/runtime/logger";
import { tmsEndpoint, type CatalogPayload } from "../shared/domain/catalog-payload";

export interface CatalogResult {
  status: number;
}

/** What the catalog says of a uri: it has a record, it has none, or it cannot tell us (no such query, an answer we do not understand). */
export type Lookup = { found: boolean } | { unknown: string };

const MAX_RESPONSE_CHARS = 2000;

class TimedOut extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

export class CatalogClient {
  readonly endpoint: string;
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    catalogUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = tmsEndpoint(catalogUrl);
    this.url = new URL(this.endpoint);
    this.agent = this.url.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async post(jobId: string, payload: CatalogPayload, signal?: AbortSignal): Promise<CatalogResult> {
    const res = await this.request("POST", this.url, JSON.stringify(payload), signal);
    if (res.status >= 200 && res.status < 300) return { status: res.status };
    // Kept for the operator, so without secrets: some servers echo the request's headers.
    throw new PermanentCatalogError(res.status, redact(res.text), jobId);
  }

  /** Whether the catalog has a TMS record for `uri`. */
  async lookup(uri: string, signal?: AbortSignal): Promise<Lookup> {
    const url = new URL(this.url);
    url.searchParams.set("uri", uri);
    const res = await this.request("GET", url, undefined, signal);
    if (res.status < 200 || res.status >= 300) return { unknown: `GET /tms?uri= answered HTTP ${res.status}` };
    let results: unknown;
    try {
      results = (JSON.parse(res.text) as { results?: unknown }).results;
    } catch {
      results = undefined;
    }
    if (!Array.isArray(results)) return { unknown: "GET /tms?uri= did not answer { results: [...] }" };
    // The API stores a record's uri as a list (controllers/tms.js addUpdate); accept either form.
    return { found: results.some((r: { uri?: unknown }) => r?.uri === uri || (Array.isArray(r?.uri) && r.uri.includes(uri))) };
  }

  /**
   * One request. Transient failures (network, timeout, 408, 429, 5xx) and a refused token (401,
   * 403) are thrown; any other answer is returned for the caller to read.
   */
  private async request(method: "GET" | "POST", url: URL, body: string | undefined, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    let res: { status: number; text: string };
    try {
      res = await this.send(method, url, body, signal);
    } catch (err) {
      // Refused: never sent. Anything else (a timeout, a connection cut) may have reached the catalog.
      const refused = (err as NodeJS.ErrnoException).code === "ECONNREFUSED";
      throw new TransientError(`catalog ${err instanceof TimedOut ? err.message : "request failed"}`, { cause: err, outcomeUnknown: !refused });
    }
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new TransientError(`catalog answered HTTP ${res.status}`);
    if (res.status === 401 || res.status === 403) throw new CatalogAuthError(res.status, redact(res.text));
    return res;
  }

  /** One request, answered (any status) or failed, within timeoutMs; the body is kept up to a bound. */
  private send(method: string, url: URL, body: string | undefined, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(timedOut ? new TimedOut(this.timeoutMs) : err);
      };
      const request = url.protocol === "https:" ? https.request : http.request;
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            ...(body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
            accept: "application/json",
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (text.length < MAX_RESPONSE_CHARS) text += chunk;
          });
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text: text.slice(0, MAX_RESPONSE_CHARS) });
          });
          // Cut off mid-body (timeout, abort, the server went away): no "end", only "close".
          res.on("close", () => {
            if (!res.complete) fail(new Error("the catalog's answer was cut off"));
          });
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, this.timeoutMs);
      req.on("error", fail);
      req.end(body);
    });
  }
}
