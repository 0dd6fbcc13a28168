// The status document the OAM API reads: the message as received, plus the SUCCESS/COMPLETE form
// with TileJSON for mosaic FINISHED.
import { describe, expect, it } from "vitest";
import { parseBody, type StatusMessage } from "../../apps/shared/domain/message";
import {
  TILEJSON_ATTRIBUTION,
  buildStatusDocument,
  buildTileJson,
  targetToHttp,
  tilesUrl,
} from "../../apps/shared/domain/status-document";

const at = new Date("2024-05-06T07:08:09.010Z");

function msg(raw: Record<string, unknown>): StatusMessage {
  const parsed = parseBody(JSON.stringify(raw));
  if (parsed.kind !== "status") throw new Error("not a status message");
  return parsed.message;
}

describe("targetToHttp", () => {
  it.each([
    ["s3://oam-tiles/test-job", "http://oam-tiles.s3.amazonaws.com/test-job"],
    ["s3://oam-tiles/a/b/c", "http://oam-tiles.s3.amazonaws.com/a/b/c"],
    ["s3://oam-tiles/test-job/", "http://oam-tiles.s3.amazonaws.com/test-job"],
    ["s3://oam-tiles/test-job///", "http://oam-tiles.s3.amazonaws.com/test-job"],
    ["s3://bucket", "http://bucket.s3.amazonaws.com"],
    ["s3://bucket/", "http://bucket.s3.amazonaws.com"],
    ["s3://my.dotted.bucket/x", "http://my.dotted.bucket.s3.amazonaws.com/x"],
  ])("%s -> %s", (input, expected) => {
    expect(targetToHttp(input)).toBe(expected);
  });

  it.each([
    ["http://tiles.example.com/job", "http://tiles.example.com/job"],
    ["https://tiles.example.com/a/b", "https://tiles.example.com/a/b"],
    ["https://oam-tiles.s3.amazonaws.com/job", "https://oam-tiles.s3.amazonaws.com/job"],
  ])("http(s) target %s is left as it is", (input, expected) => {
    expect(targetToHttp(input)).toBe(expected);
  });

  it("removes a trailing slash from an http(s) target too", () => {
    expect(targetToHttp("https://tiles.example.com/job/")).toBe("https://tiles.example.com/job");
  });

  it("never ends in a slash", () => {
    for (const t of ["s3://b/", "s3://b/p/", "http://h/p/", "https://h/"]) expect(targetToHttp(t).endsWith("/")).toBe(false);
  });
});

describe("tilesUrl / buildTileJson", () => {
  it("tilesUrl appends the xyz template to the http target without a double slash", () => {
    expect(tilesUrl("s3://oam-tiles/test-job/")).toBe("http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png");
    expect(tilesUrl("https://t.example/j")).toBe("https://t.example/j/{z}/{x}/{y}.png");
  });

  it("builds TileJSON 2.1.0 for an s3 target", () => {
    expect(buildTileJson("test-job", "s3://oam-tiles/test-job")).toEqual({
      tilejson: "2.1.0",
      name: "OAM Server Mosaic test-job",
      // The seed publisher's attribution, as it wrote it (hotosm/oam-server-publisher, server.js).
      attribution: "<a href='http://github.com/openimagerynetwork/'>OIN contributors</a>",
      scheme: "xyz",
      tiles: ["http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png"],
    });
  });

  it("keeps an https target as the tiles base", () => {
    const tj = buildTileJson("j2", "https://tiles.example.com/mosaics/j2/");
    expect(tj.name).toBe("OAM Server Mosaic j2");
    expect(tj.tiles).toEqual(["https://tiles.example.com/mosaics/j2/{z}/{x}/{y}.png"]);
  });

  it("attribution credits the imagery's contributors (OIN)", () => {
    expect(buildTileJson("j", "s3://b/j").attribution).toContain("OIN contributors");
  });
});

describe("buildStatusDocument", () => {
  it.each([
    [{ jobId: "test-job", stage: "chunk", status: "STARTED" }],
    [{ jobId: "test-job", stage: "chunk", status: "FAILED", error: "so many errors" }],
    [{ jobId: "test-job", stage: "chunk", status: "FINISHED" }],
    [{ jobId: "test-job", stage: "mosaic", status: "STARTED" }],
    [{ jobId: "test-job", stage: "mosaic", status: "FAILED", error: "scala errors oh my" }],
  ])("a non-final message %j is kept as received plus updatedAt", (raw) => {
    const doc = buildStatusDocument(msg(raw), at);
    expect(doc).toEqual({ ...raw, updatedAt: "2024-05-06T07:08:09.010Z" });
    expect(doc).not.toHaveProperty("tileJson");
  });

  it("non-final messages keep their extra fields", () => {
    const raw = { jobId: "j", stage: "chunk", status: "FAILED", error: 'bad "quote"', worker: { id: 3 }, attempt: 2 };
    expect(buildStatusDocument(msg(raw), at)).toEqual({ ...raw, updatedAt: at.toISOString() });
  });

  it("mosaic FINISHED becomes SUCCESS / COMPLETE with its TileJSON, keeping target, images and extra fields", () => {
    const raw = {
      jobId: "test-job",
      stage: "mosaic",
      status: "FINISHED",
      target: "s3://oam-tiles/test-job",
      images: ["http://bucketname.s3.amazonaws.com/image1.tif", "/vsicurl/http://bucketname.s3.amazonaws.com/image2.tif"],
      extra: "kept",
      meta: { a: [1, 2] },
    };
    const doc = buildStatusDocument(msg(raw), at);
    expect(doc).toEqual({
      jobId: "test-job",
      stage: "COMPLETE",
      status: "SUCCESS",
      target: "s3://oam-tiles/test-job",
      images: raw.images,
      extra: "kept",
      meta: { a: [1, 2] },
      updatedAt: at.toISOString(),
      tileJson: {
        tilejson: "2.1.0",
        name: "OAM Server Mosaic test-job",
        attribution: TILEJSON_ATTRIBUTION,
        scheme: "xyz",
        tiles: ["http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png"],
      },
    });
  });

  it("does not modify the message it was given", () => {
    const m = msg({ jobId: "j", stage: "mosaic", status: "FINISHED", target: "s3://b/j", images: ["s3://b/i.tif"] });
    const copy = structuredClone(m);
    buildStatusDocument(m, at);
    expect(m).toEqual(copy);
  });

  it("updatedAt is the given time as an ISO string", () => {
    const doc = buildStatusDocument(msg({ jobId: "j", stage: "chunk", status: "STARTED" }), new Date(0));
    expect(doc.updatedAt).toBe("1970-01-01T00:00:00.000Z");
  });

  it("the document survives a JSON round trip unchanged", () => {
    const doc = buildStatusDocument(
      msg({ jobId: "j", stage: "mosaic", status: "FINISHED", target: "https://t.example/j", images: ["https://i.example/1.tif"] }),
      at,
    );
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
