// What the OAM Catalog is told when a job's tiles are ready: POST <catalog>/tms {uri, images}.
import type { StatusMessage } from "./message";
import { tilesUrl } from "./status-document";

export interface CatalogPayload {
  uri: string;
  images: Array<{ uuid: string }>;
}

/** `<catalog URL>/tms`, without a double slash when the URL ends in one. */
export function tmsEndpoint(catalogUrl: string): string {
  return `${catalogUrl.replace(/\/+$/, "")}/tms`;
}

export function buildCatalogPayload(message: StatusMessage): CatalogPayload {
  if (!message.target) throw new Error(`job ${message.jobId} has no target`);
  return {
    uri: tilesUrl(message.target),
    images: (message.images ?? []).map((url) => ({ uuid: url.replace(/^\/vsicurl\//, "") })),
  };
}
