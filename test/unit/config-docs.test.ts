// The README's Configuration table is the documentation of every variable: each variable the suite
// reads has a row, and the default a row states is the default the code applies (the README's
// value, read by the variable's own check, equals what the check gives when the variable is unset).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { variables } from "../../apps/shared/runtime/config-variables";
import { ROOT } from "../support/local-servers";

interface Row {
  names: string[];
  defaultCell: string;
}

function configurationTable(): Row[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => {
      const [variableCell, defaultCell] = l.split("|").slice(1, 3);
      return { names: [...variableCell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]), defaultCell: defaultCell.trim() };
    });
}

const fields = variables.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
const rows = configurationTable();

describe("the README's Configuration table", () => {
  it("has a row for every variable the suite reads", () => {
    expect(rows.length).toBeGreaterThan(30);
    const documented = new Set(rows.flatMap((r) => r.names));
    const missing = Object.keys(fields).filter((name) => !documented.has(name));
    expect(missing, "variables without a row in README, Configuration").toEqual([]);
  });

  it("states the default the code applies", () => {
    let checked = 0;
    for (const { names, defaultCell } of rows) {
      const stated = /^`([^`]+)`/.exec(defaultCell)?.[1];
      for (const name of names) {
        const field = fields[name];
        if (!field) continue; // read by the SDK or pm2, not by the suite's config
        const applied = field.safeParse(undefined).data;
        if (applied === undefined) continue; // no default: required, optional, or derived
        expect(stated, `${name}: the README states no default, the code applies ${JSON.stringify(applied)}`).toBeDefined();
        expect(field.safeParse(stated).data, `${name}: README says \`${stated}\``).toEqual(applied);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(25);
  });
});
