// The suite's version, from its package.json (beside dist/ in a checkout and in the image).
import { readFileSync } from "node:fs";
import path from "node:path";

export function suiteVersion(): string {
  try {
    return String(JSON.parse(readFileSync(path.join(__dirname, "../../../package.json"), "utf8")).version ?? "unknown");
  } catch {
    return "unknown";
  }
}
