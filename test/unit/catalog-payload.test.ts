// What the OAM Catalog is told when a job's tiles are ready: POST <catalog>/tms {uri, images}.
import { describe, expect, it } from "vitest";
import { buildCatalogPayload, tmsEndpoint } from "../../apps/shared/domain/catalog-payload";
import { parseBody, type StatusMessage } from "../../apps/shared/domain/message";
import { buildTileJson } from "../../apps/shared/domain/status-document";

function finished(extra: Record<string, unknown> = {}): StatusMessage {
  const parsed = parseBody(
    JSON.stringify({
      jobId: "test-job",
      stage: "mosaic",
      status: "FINISHED",
      target: "s3://oam-tiles/test-job",
      images: ["http://bucketname.s3.amazonaws.com/image1.tif", "http://bucketname.s3.amazonaws.com/image2.tif"],
      ...extra,
    }),
  );
  if (parsed.kind !== "status") throw new Error("not a status message");
  return parsed.message;
}

describe("tmsEndpoint", () => {
  it.each([
    ["https://api.openaerialmap.org", "https://api.openaerialmap.org/tms"],
    ["https://api.openaerialmap.org/", "https://api.openaerialmap.org/tms"],
    ["https://api.openaerialmap.org//", "https://api.openaerialmap.org/tms"],
    ["http://127.0.0.1:4000", "http://127.0.0.1:4000/tms"],
    ["http://127.0.0.1:4000/api/v1/", "http://127.0.0.1:4000/api/v1/tms"],
  ])("%s -> %s", (url, expected) => {
    expect(tmsEndpoint(url)).toBe(expected);
  });

  it("never produces a double slash after the scheme", () => {
    for (const url of ["https://a.example", "https://a.example/", "https://a.example///", "https://a.example/x//"]) {
      expect(tmsEndpoint(url).slice("https://".length)).not.toContain("//");
    }
  });
});

describe("buildCatalogPayload", () => {
  it("builds the seed mosaic's payload: uri is the tiles URL, one uuid per image", () => {
    expect(buildCatalogPayload(finished())).toEqual({
      uri: "http://oam-tiles.s3.amazonaws.com/test-job/{z}/{x}/{y}.png",
      images: [{ uuid: "http://bucketname.s3.amazonaws.com/image1.tif" }, { uuid: "http://bucketname.s3.amazonaws.com/image2.tif" }],
    });
  });

  it("uri is the same URL as the status document's TileJSON tiles", () => {
    const m = finished({ target: "https://tiles.example.com/mosaic/j/" });
    expect(buildCatalogPayload(m).uri).toBe(buildTileJson(m.jobId, m.target!).tiles[0]);
    expect(buildCatalogPayload(m).uri).toBe("https://tiles.example.com/mosaic/j/{z}/{x}/{y}.png");
  });

  it("strips /vsicurl/ from each image and keeps the order", () => {
    const images = [
      "/vsicurl/http://b.s3.amazonaws.com/3.tif",
      "http://b.s3.amazonaws.com/1.tif",
      "/vsicurl/https://b.s3.amazonaws.com/2.tif",
      "s3://b/0.tif",
    ];
    expect(buildCatalogPayload(finished({ images })).images).toEqual([
      { uuid: "http://b.s3.amazonaws.com/3.tif" },
      { uuid: "http://b.s3.amazonaws.com/1.tif" },
      { uuid: "https://b.s3.amazonaws.com/2.tif" },
      { uuid: "s3://b/0.tif" },
    ]);
  });

  it("only strips a leading /vsicurl/, not one inside the URL", () => {
    const images = ["http://b.example/vsicurl/x.tif"];
    expect(buildCatalogPayload(finished({ images })).images).toEqual([{ uuid: "http://b.example/vsicurl/x.tif" }]);
  });

  it("has exactly the uri and images fields", () => {
    expect(Object.keys(buildCatalogPayload(finished())).sort()).toEqual(["images", "uri"]);
  });

  it("throws for a message without a target", () => {
    const parsed = parseBody(JSON.stringify({ jobId: "no-target", stage: "mosaic", status: "STARTED" }));
    if (parsed.kind !== "status") throw new Error("not a status message");
    expect(() => buildCatalogPayload(parsed.message)).toThrow(/no-target/);
  });
});
