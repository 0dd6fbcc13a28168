// POST <catalog>/tms with the bearer token. Classifies the outcome: 2xx done; 408, 429, 5xx,
// timeouts and network errors transient; any other 4xx permanent.
//
// Node's own http/https client, on a keep-alive agent, rather than the built-in fetch: one small
// JSON POST does not need fetch's WHATWG streams, which made the notifier the largest app after a
// backlog (112-116 MB RSS against 99-103 with this client; docs/performance.md).
import http from "node:http";
import https from "node:https";
import { PermanentCatalogError, redact, TransientError, tmsEndpoint, type CatalogPayload } from "../shared";

export interface CatalogResult {
  status: number;
}

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
    let res: { status: number; text: string };
    try {
      res = await this.send(JSON.stringify(payload), signal);
    } catch (err) {
      throw new TransientError(`catalog ${err instanceof TimedOut ? err.message : "request failed"}`, { cause: err });
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status };
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new TransientError(`catalog answered HTTP ${res.status}`);
    }
    // Kept for the operator, so without secrets: some servers echo the request's headers.
    throw new PermanentCatalogError(res.status, redact(res.text), jobId);
  }

  /** One request, answered (any status) or failed, within timeoutMs; the body is kept up to a bound. */
  private send(body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(timedOut ? new TimedOut(this.timeoutMs) : err);
      };
      const request = this.url.protocol === "https:" ? https.request : http.request;
      const req = request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          signal,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
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
