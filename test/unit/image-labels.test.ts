// The image's OCI labels state what package.json states: a version bump or a licence change in one
// and not the other fails here, before any image is built.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/local-servers";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; license: string };
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");

function label(name: string): string | undefined {
  return new RegExp(`org\\.opencontainers\\.image\\.${name}="([^"]*)"`).exec(dockerfile)?.[1];
}

describe("the image's OCI labels", () => {
  it("carry package.json's version and licence, and the source", () => {
    expect(label("version")).toBe(pkg.version);
    expect(label("licenses")).toBe(pkg.license);
    expect(label("source")).toMatch(/^https:\/\//);
  });
});
