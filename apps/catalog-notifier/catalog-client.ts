// POST <catalog>/tms with the bearer token, using Node's built-in fetch. Classifies the outcome:
// 2xx done; 408, 429, 5xx, timeouts and network errors transient; any other 4xx permanent.
import { PermanentCatalogError, redact, TransientError, tmsEndpoint, type CatalogPayload } from "../shared";

export interface CatalogResult {
  status: number;
}

const MAX_RESPONSE_CHARS = 2000;

export class CatalogClient {
  readonly endpoint: string;

  constructor(
    catalogUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = tmsEndpoint(catalogUrl);
  }

  async post(jobId: string, payload: CatalogPayload, signal?: AbortSignal): Promise<CatalogResult> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const reason = timeout.aborted ? `timed out after ${this.timeoutMs} ms` : "request failed";
      throw new TransientError(`catalog ${reason}`, { cause: err });
    }
    // Kept for the operator, so without secrets: some servers echo the request's headers.
    const text = redact((await res.text().catch(() => "")).slice(0, MAX_RESPONSE_CHARS));
    if (res.ok) return { status: res.status };
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new TransientError(`catalog answered HTTP ${res.status}`);
    }
    throw new PermanentCatalogError(res.status, text, jobId);
  }
}
