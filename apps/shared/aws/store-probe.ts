// What the S3 store does with conditional PUTs. S3 honours If-None-Match: * and If-Match; many
// S3-compatible stores (s3rver, older MinIO and Ceph releases) ignore them and write anyway. The
// status writer and the catalog notifier ask at start, with a few requests on a probe object under
// `<prefix>/probe/` (which the janitor and the catalog records never touch), and pick their write
// path from the answer: on a store that honours the headers a conditional write decides every race;
// on one that does not, they read before writing, which keeps one suite correct but not two.
import { randomUUID } from "node:crypto";
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isNotImplemented, isPreconditionFailure } from "./aws-errors";
import { errorMessage } from "../util/errors";
import { probeKey } from "../domain/keys";
import type { Logger } from "../runtime/logger";
import { retryForever } from "../util/retry";

export interface ConditionalWriteSupport {
  ifNoneMatch: boolean;
  ifMatch: boolean;
}

/** Three PUTs and a DELETE on a fresh probe object: does the store refuse what a condition forbids? */
export async function probeConditionalWrites(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<ConditionalWriteSupport> {
  const put = async (condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<boolean> => {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{}", ContentType: "application/json", ...condition }), { abortSignal: signal });
      return true;
    } catch (err) {
      if (isPreconditionFailure(err)) return false;
      // A store that refuses the header outright does not honour it either; writers then omit it.
      if (isNotImplemented(err)) return true;
      throw err;
    }
  };
  try {
    // Created without a condition: a store that rejects the headers outright still answers this.
    await put({});
    const ifNoneMatch = !(await put({ IfNoneMatch: "*" }));
    const ifMatch = !(await put({ IfMatch: '"00000000000000000000000000000000"' }));
    return { ifNoneMatch, ifMatch };
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
}

/** How long an app's start waits for the probe's answer before going on with the careful path. */
export const PROBE_WAIT_MS = 5000;

/** What this app knows of its store: "unknown" until the probe has answered. */
export type StoreMode = "unknown" | "conditional" | "read-first";

/** Where a writer learns the mode (a StoreCapability; a fixed value in tests). */
export interface StoreModeSource {
  readonly mode: StoreMode;
}

/** True when a conditional write alone decides a race, so no read is needed before it. */
export const conditionsDecide = (s: StoreModeSource): boolean => s.mode === "conditional";

/**
 * The headers of a write whose stored version is `expected` (null: none is stored): If-None-Match: *
 * or If-Match on its ETag, so the store answers 412 when another writer got there first. Left out
 * where the store is known not to honour them (some reject them outright).
 */
export function writeConditions(s: StoreModeSource, expected: { etag?: string } | null): { IfNoneMatch?: string; IfMatch?: string } {
  if (s.mode === "read-first") return {};
  if (expected === null) return { IfNoneMatch: "*" };
  return expected.etag ? { IfMatch: expected.etag } : {};
}

export class StoreCapability implements StoreModeSource {
  private support?: ConditionalWriteSupport;
  private readonly abort = new AbortController();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly app: string,
    private readonly logger: Logger,
  ) {}

  /** Until the probe answers, writers take the careful path, which is correct on every store. */
  get mode(): StoreMode {
    if (!this.support) return "unknown";
    return this.support.ifNoneMatch && this.support.ifMatch ? "conditional" : "read-first";
  }

  /** The pm2 metric: 1 honoured, 0 ignored, -1 not known yet. */
  get metric(): number {
    return this.mode === "unknown" ? -1 : conditionsDecide(this) ? 1 : 0;
  }

  /** For the app.started line. */
  describe(): Record<string, unknown> {
    return { store: { conditionalWrites: this.mode === "unknown" ? "unknown" : conditionsDecide(this) ? "honoured" : "ignored", ...this.support } };
  }

  /**
   * Probes, retrying with backoff while the store cannot be reached. Resolves after the first
   * answer or after `waitMs`, whichever comes first; the probe goes on in the background after that.
   */
  async start(waitMs: number, maxBackoffMs: number): Promise<void> {
    const probing = retryForever(() => probeConditionalWrites(this.s3, this.bucket, probeKey(this.prefix, `${this.app}-${randomUUID()}`), this.abort.signal), {
      maxDelayMs: maxBackoffMs,
      keepTrying: () => !this.abort.signal.aborted,
      onFailedAttempt: (err, attempt) =>
        this.logger.warn("store probe failed, retrying; writing with a read first meanwhile", { event: "store.probe_failed", attempt, error: errorMessage(err) }),
    }).then(
      (support) => this.learn(support),
      () => undefined, // stopped
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([probing, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  stop(): void {
    this.abort.abort();
  }

  private learn(support: ConditionalWriteSupport): void {
    this.support = support;
    if (conditionsDecide(this)) {
      this.logger.info("the store honours conditional writes", { event: "store.probed", ...support });
      return;
    }
    this.logger.warn(
      `the store ignores conditional writes (If-None-Match: ${support.ifNoneMatch ? "honoured" : "ignored"}, If-Match: ${support.ifMatch ? "honoured" : "ignored"}): ` +
        `this suite reads before each write to stay correct, but two suites must not share s3://${this.bucket}/${this.prefix}/`,
      { event: "store.conditional_writes_ignored", ...support, bucket: this.bucket, prefix: this.prefix },
    );
  }
}
