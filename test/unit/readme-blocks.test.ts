// Every command block of the README says how it is tested (test/support/readme-blocks.ts); this
// fails the day a block is added without it, wherever the end-to-end runs of the blocks cannot run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kindOf, readCommandBlocks, ReadmeBlockError } from "../support/readme-blocks";
import { ROOT } from "../support/local-servers";

const tmp = mkdtempSync(path.join(os.tmpdir(), "oam-readme-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function parse(text: string) {
  const file = path.join(tmp, `r${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(file, text);
  return readCommandBlocks(file);
}

describe("README command blocks", () => {
  it("each block of the project's README says how it is tested; a skipped one says why", () => {
    const blocks = readCommandBlocks(path.join(ROOT, "README.md"));
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      expect(b.commands.length, `block at line ${b.line}`).toBeGreaterThan(0);
      if (b.mode === "skip") expect(b.why, `block at line ${b.line}`).toBeTruthy();
    }
    expect(blocks.some((b) => b.mode === "local")).toBe(true);
    expect(blocks.some((b) => b.mode === "compose")).toBe(true);
  });

  it("reads modes, env and per-command kinds; leaves out comments and other languages", () => {
    const [b] = parse(
      [
        "# Title",
        "```json",
        '{"not": "a command"}',
        "```",
        "<!-- readme-test: local; env: servers; eventually: npm run status; until-stopped: npx pm2 logs => ready, npx pm2 monit -->",
        "```bash",
        "# a comment",
        "npm run status -- x   # trailing comment kept for the shell",
        "",
        "npx pm2 logs",
        "npx pm2 monit",
        "npm stop",
        "```",
      ].join("\n"),
    );
    expect(b).toMatchObject({ line: 6, section: "Title", mode: "local", servers: true });
    expect(b.commands).toEqual(["npm run status -- x   # trailing comment kept for the shell", "npx pm2 logs", "npx pm2 monit", "npm stop"]);
    expect(kindOf(b, b.commands[0])).toEqual({ kind: "eventually" });
    expect(kindOf(b, b.commands[1])).toEqual({ kind: "until-stopped", ready: "ready" });
    expect(kindOf(b, b.commands[2])).toEqual({ kind: "until-stopped", ready: undefined });
    expect(kindOf(b, b.commands[3])).toEqual({ kind: "once" });
  });

  it.each([
    ["a block without the comment", "```bash\nls\n```", /line 1: a command block needs/],
    ["an unknown mode", "<!-- readme-test: sometimes -->\n```sh\nls\n```", /unknown readme-test mode "sometimes"/],
    ["an unknown key", "<!-- readme-test: local; retry: ls -->\n```sh\nls\n```", /unknown readme-test key "retry"/],
    ["a skip without why", "<!-- readme-test: skip -->\n```sh\nls\n```", /says why/],
    ["a named command not in the block", "<!-- readme-test: local; eventually: npm test -->\n```sh\nls\n```", /"npm test" is named/],
  ])("rejects %s, naming the line", (_what, text, message) => {
    expect(() => parse(text)).toThrow(ReadmeBlockError);
    expect(() => parse(text)).toThrow(message);
  });
});
