// The suite's version, from its package.json (the one file that states it): shown by
// `oam-status --version` and `health`, and logged in every app's `app.started` line. The image's
// OCI version label states it too; a test keeps the two equal.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const PACKAGE_NAME = "oam-status-suite";

/** The package.json of the suite, found upwards from this file (apps/shared/ or dist/apps/shared/). */
function readPackage(): { name: string; version: string } {
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return { name: pkg.name, version: pkg.version };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${__dirname}`);
    dir = parent;
  }
}

export const SUITE_VERSION = readPackage().version;
