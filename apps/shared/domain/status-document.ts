// The status document the OAM API reads: the message as received, and for mosaic FINISHED the
// seed's SUCCESS/COMPLETE form with its TileJSON. Field names and meanings are the seed's.
import { isMosaicFinished, type StatusMessage } from "./message";

// The original publisher's credit, word for word: the imagery is CC-BY to its contributors.
export const TILEJSON_ATTRIBUTION = "<a href='http://github.com/openimagerynetwork/'>OIN contributors</a>";

export interface TileJson {
  tilejson: "2.1.0";
  name: string;
  attribution: string;
  scheme: "xyz";
  tiles: string[];
}

/** `s3://bucket/path` becomes `http://bucket.s3.amazonaws.com/path`; http(s) URLs stay as they are. */
export function targetToHttp(target: string): string {
  const trimmed = target.replace(/\/+$/, "");
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(trimmed);
  if (!m) return trimmed;
  return `http://${m[1]}.s3.amazonaws.com${m[2] ? `/${m[2]}` : ""}`;
}

export function tilesUrl(target: string): string {
  return `${targetToHttp(target)}/{z}/{x}/{y}.png`;
}

export function buildTileJson(jobId: string, target: string): TileJson {
  return {
    tilejson: "2.1.0",
    name: `OAM Server Mosaic ${jobId}`,
    attribution: TILEJSON_ATTRIBUTION,
    scheme: "xyz",
    tiles: [tilesUrl(target)],
  };
}

export type StatusDocument = Record<string, unknown> & { jobId: string; stage: string; status: string; updatedAt: string };

export function buildStatusDocument(message: StatusMessage, updatedAt: Date): StatusDocument {
  const doc: StatusDocument = { ...message, updatedAt: updatedAt.toISOString() };
  if (isMosaicFinished(message) && message.target) {
    doc.status = "SUCCESS";
    doc.stage = "COMPLETE";
    doc.tileJson = buildTileJson(message.jobId, message.target);
  }
  return doc;
}
