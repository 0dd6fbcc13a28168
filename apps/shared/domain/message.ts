// The status message schema: what a tiling job puts on the queue, and how a raw SQS body becomes a
// validated message, the seed's test ping, or an InvalidMessageError naming the field and reason.
import { z } from "zod";
import { InvalidMessageError } from "../util/errors";

export const STAGES = ["chunk", "mosaic"] as const;
export const STATUSES = ["STARTED", "FAILED", "FINISHED"] as const;
export type Stage = (typeof STAGES)[number];
export type Status = (typeof STATUSES)[number];

export const MAX_DEPTH = 32;
export const MAX_JOB_ID_LENGTH = 200;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

// A jobId becomes part of an S3 key: letters, digits, '.', '_', '-', starting with a letter or digit,
// so it can never add a path segment, climb out with '..', or carry control characters.
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function isUrl(v: string, protocols: string[]): boolean {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) && u.hostname.length > 0;
  } catch {
    return false;
  }
}

const imageUrl = z
  .string()
  .refine((v) => isUrl(v.replace(/^\/vsicurl\//, ""), ["http:", "https:", "s3:"]), "must be an http(s):// or s3:// URL, optionally prefixed /vsicurl/");

const statusMessage = z
  .looseObject({
    jobId: z
      .string({ error: "must be a string" })
      .min(1, "must not be empty")
      .max(MAX_JOB_ID_LENGTH, `must be at most ${MAX_JOB_ID_LENGTH} characters`)
      .regex(JOB_ID, "may only contain letters, digits, '.', '_' and '-', starting with a letter or digit")
      .refine((v) => !v.includes(".."), "must not contain '..'"),
    stage: z.enum(STAGES, { error: `must be one of ${STAGES.join(", ")}` }),
    status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(", ")}` }),
    error: z.string({ error: "must be a string" }).optional(),
    target: z
      .string({ error: "must be a string" })
      .refine((v) => isUrl(v, ["s3:", "http:", "https:"]), "must be an s3:// or http(s):// URL")
      .optional(),
    images: z.array(imageUrl, { error: "must be an array of image URLs" }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.stage === "mosaic" && m.status === "FINISHED") {
      if (!m.target) ctx.addIssue({ code: "custom", path: ["target"], message: "is required for mosaic FINISHED" });
      if (!m.images || m.images.length === 0)
        ctx.addIssue({ code: "custom", path: ["images"], message: "must list at least one image for mosaic FINISHED" });
    }
  });

export type StatusMessage = z.infer<typeof statusMessage>;

export type ParsedBody = { kind: "status"; message: StatusMessage } | { kind: "test"; body: Record<string, unknown> };

/** Walks the parsed JSON once: rejects nesting deeper than MAX_DEPTH and prototype-bending keys. */
function checkShape(value: unknown): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 1 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_DEPTH) throw new InvalidMessageError(`JSON is nested deeper than ${MAX_DEPTH} levels`);
    for (const [k, child] of Object.entries(v)) {
      if (FORBIDDEN_KEYS.has(k)) throw new InvalidMessageError(`forbidden key "${k}"`);
      stack.push({ v: child, depth: depth + 1 });
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

export function parseBody(raw: string | undefined): ParsedBody {
  if (raw === undefined || raw.trim() === "") throw new InvalidMessageError("empty body");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new InvalidMessageError(`not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidMessageError(`body must be a JSON object, got ${describe(value)}`);
  }
  checkShape(value);
  const obj = value as Record<string, unknown>;
  if (obj.test === true) return { kind: "test", body: obj };
  const result = statusMessage.safeParse(obj);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join(".") || undefined;
    // zod leaves the offending input out of its issues: look the field up ourselves.
    const missing = issue.path.length === 1 && obj[String(issue.path[0])] === undefined && issue.code !== "custom";
    const message = missing ? "is required" : issue.message;
    throw new InvalidMessageError(message, field);
  }
  return { kind: "status", message: result.data };
}

export function isMosaicFinished(m: Pick<StatusMessage, "stage" | "status">): boolean {
  return m.stage === "mosaic" && m.status === "FINISHED";
}

/**
 * A message's place in its job's history: SQS SentTimestamp first, then stage order, then status
 * order. A document is only ever replaced by a message with a greater rank.
 */
export interface Rank {
  sentTimestamp: number;
  stage: number;
  status: number;
}

export function rankOf(m: Pick<StatusMessage, "stage" | "status">, sentTimestamp: number): Rank {
  return { sentTimestamp, stage: STAGES.indexOf(m.stage), status: STATUSES.indexOf(m.status) };
}

export function compareRank(a: Rank, b: Rank): number {
  return a.sentTimestamp - b.sentTimestamp || a.stage - b.stage || a.status - b.status;
}

export function formatRank(r: Rank): string {
  return `${r.sentTimestamp}.${r.stage}.${r.status}`;
}

export function parseRank(s: string | undefined): Rank | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s ?? "");
  return m ? { sentTimestamp: Number(m[1]), stage: Number(m[2]), status: Number(m[3]) } : undefined;
}
