// Every S3 key the suite writes is built here, always under `<prefix>/`.
import { InvalidMessageError } from "../util/errors";

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function segment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value) || value.includes("..") || value.length > 255) {
    throw new InvalidMessageError(`cannot be used in an S3 key`, what);
  }
  return value;
}

/** `<prefix>/<jobId>-status.json`: the document the OAM API reads. */
export function statusKey(prefix: string, jobId: string): string {
  return `${prefix}/${segment(jobId, "jobId")}-status.json`;
}

/** True for a status document directly under the prefix (not in quarantine/ or catalog/). */
export function isStatusKey(prefix: string, key: string): boolean {
  if (!key.startsWith(`${prefix}/`)) return false;
  const rest = key.slice(prefix.length + 1);
  return !rest.includes("/") && rest.endsWith("-status.json") && rest.length > "-status.json".length;
}

/** `<prefix>/quarantine/<yyyy-mm-dd>/<messageId>.json`: an invalid message kept for an operator. */
export function quarantineKey(prefix: string, messageId: string, at: Date): string {
  const day = at.toISOString().slice(0, 10);
  const id = messageId.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "") || "unknown";
  return `${prefix}/quarantine/${day}/${id}.json`;
}

/** `<prefix>/catalog/<jobId>.json`: the durable record that a job was posted to the catalog. */
export function catalogRecordKey(prefix: string, jobId: string): string {
  return `${prefix}/catalog/${segment(jobId, "jobId")}.json`;
}

/** `<prefix>/probe/<name>.json`: a short-lived object the apps write at start to learn what the store honours. */
export function probeKey(prefix: string, name: string): string {
  return `${prefix}/probe/${segment(name, "probe name")}.json`;
}
