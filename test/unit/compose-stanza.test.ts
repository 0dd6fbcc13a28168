// What the compose stanza must say, checked where no container engine runs (the image test runs it
// for real): the seed's variable names passed through, no default region, a grace period pm2 can
// stop the apps in, the token as a secret, bounded json-file logs, no obsolete version key.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/local-servers";

const stanza = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
const lines = stanza.split("\n").filter((l) => !l.trim().startsWith("#"));
const environment = lines.filter((l) => /^\s+- [A-Z0-9_]+=/.test(l)).map((l) => l.trim().slice(2));
const value = (name: string) => environment.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);

/** pm2 kill_timeout of the production profile's apps, in ms. */
function killTimeoutMs(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const eco = require(path.join(ROOT, "ecosystem.config.js")) as { apps: Array<{ kill_timeout: number }> };
  return Math.max(...eco.apps.map((a) => a.kill_timeout));
}

describe("docker-compose.yml", () => {
  it("has no obsolete version key", () => {
    expect(lines.some((l) => /^version\s*:/.test(l))).toBe(false);
  });

  it("passes both region names without a default, so a missing region is reported", () => {
    expect(value("AWS_REGION")).toBe("${AWS_REGION:-}");
    expect(value("AWS_DEFAULT_REGION")).toBe("${AWS_DEFAULT_REGION:-}");
  });

  it("takes the token as a secret file, or the variable under either name", () => {
    expect(value("OAM_API_TOKEN_FILE")).toBe("/run/secrets/oam_api_token");
    expect(value("OAM_API_TOKEN")).toBe("${OAM_API_TOKEN:-}");
    expect(value("OAM_UPLOADER_TOKEN")).toBe("${OAM_UPLOADER_TOKEN:-}");
    expect(stanza).toMatch(/secrets:\n\s+- oam_api_token/);
    expect(stanza).toMatch(/oam_api_token:\n\s+file: \$\{OAM_API_TOKEN_SECRET_FILE:-\/dev\/null\}/);
  });

  it("gives pm2-runtime longer to stop than two rounds of pm2's kill_timeout (it stops two apps at a time)", () => {
    const m = /stop_grace_period:\s*(\d+)s/.exec(stanza);
    expect(m, "stop_grace_period in seconds").not.toBeNull();
    expect(Number(m![1]) * 1000).toBeGreaterThan(2 * killTimeoutMs());
  });

  it("caps the json-file logs by size and number of files", () => {
    expect(stanza).toMatch(/max-size: \S+/);
    expect(stanza).toMatch(/max-file: "\d+"/);
  });
});
