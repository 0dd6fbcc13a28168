// Preloaded (`node -r`) into an app to list the packages it loads at start, in order: every bare
// specifier (not node: built-ins, not relative paths) required by the project's own files. Written
// to the file named by OAM_REQUIRE_TRACE when the process exits.
import { writeFileSync } from "node:fs";
import Module from "node:module";
import path from "node:path";

const out = process.env.OAM_REQUIRE_TRACE;
const seen: string[] = [];
const project = path.resolve(__dirname, "..");
const mod = Module as unknown as { _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown };
const load = mod._load;
mod._load = function (request, parent, isMain) {
  const from = parent?.filename ?? "";
  const bare = !request.startsWith(".") && !request.startsWith("/") && !request.startsWith("node:") && !Module.builtinModules.includes(request);
  if (bare && from.startsWith(project) && !from.includes(`${path.sep}node_modules${path.sep}`) && !seen.includes(request)) seen.push(request);
  return load.call(this, request, parent, isMain);
};
process.on("exit", () => out && writeFileSync(out, JSON.stringify(seen)));
