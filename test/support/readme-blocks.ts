// The README's command blocks and how each is tested. Every ```bash (or sh, shell, console) block
// carries, on the line before it, an HTML comment saying how (invisible on the rendered page):
//
//   <!-- readme-test: local -->                 run on this machine, in a copy of the project
//   <!-- readme-test: local; env: servers -->   ... with the variables of the test's own SQS, S3
//                                                   and catalog servers exported ("this shell")
//   <!-- readme-test: compose -->               run on this machine against the image test's
//                                                   compose project (docker-compose commands,
//                                                   `docker-compose exec` ones run in the container)
//   <!-- readme-test: skip; why: <reason> -->  not run, for the reason given
//
// and, for any mode, which of its commands (by the start of the line) need more than "exits 0":
//   eventually: <command>, ...      retried until it exits 0 (within a deadline): it reads a result
//                                   the suite produces a moment later
//   until-stopped: <command> [=> <text>], ...   runs until interrupted: passes once it has printed
//                                   <text> (or anything) and is still running, then gets Ctrl-C
//
// A block without the comment, or with a mode or key not listed here, is an error: a command added
// to the README is tested from the day it is added, or says why not.
import { readFileSync } from "node:fs";

type Mode = "local" | "compose" | "skip";

interface UntilStopped {
  command: string;
  /** Text the command prints once it is up; undefined: any output. */
  ready?: string;
}

export interface CommandBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The heading the block is under. */
  section: string;
  mode: Mode;
  /** `env: servers`: the test's own servers' variables are exported. */
  servers: boolean;
  why?: string;
  eventually: string[];
  untilStopped: UntilStopped[];
  /** Its command lines, as written (blank lines and whole-line comments left out). */
  commands: string[];
}

const COMMAND_LANGUAGES = new Set(["bash", "sh", "shell", "console"]);
const MODES = new Set<Mode>(["local", "compose", "skip"]);
const ANNOTATION = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

export class ReadmeBlockError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`README.md line ${line}: ${message}`);
    this.name = "ReadmeBlockError";
  }
}

function parseAnnotation(text: string, line: number): Omit<CommandBlock, "line" | "section" | "commands"> {
  const [modeText, ...pairs] = text.split(";").map((p) => p.trim());
  const mode = modeText as Mode;
  if (!MODES.has(mode)) throw new ReadmeBlockError(line, `unknown readme-test mode "${modeText}" (local, compose or skip)`);
  const block: Omit<CommandBlock, "line" | "section" | "commands"> = { mode, servers: false, eventually: [], untilStopped: [] };
  for (const pair of pairs.filter(Boolean)) {
    const colon = pair.indexOf(":");
    if (colon < 0) throw new ReadmeBlockError(line, `"${pair}" is not "key: value"`);
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    const list = value.split(",").map((v) => v.trim()).filter(Boolean);
    if (key === "why") block.why = value;
    else if (key === "env" && value === "servers") block.servers = true;
    else if (key === "eventually") block.eventually.push(...list);
    else if (key === "until-stopped") {
      for (const item of list) {
        const [command, ready] = item.split("=>").map((s) => s.trim());
        block.untilStopped.push({ command, ready: ready || undefined });
      }
    } else throw new ReadmeBlockError(line, `unknown readme-test key "${key}" (why, env: servers, eventually, until-stopped)`);
  }
  if (mode === "skip" && !block.why) throw new ReadmeBlockError(line, "a skipped block says why (skip; why: ...)");
  return block;
}

/** Every command block of a README, with how it is tested; throws a ReadmeBlockError on the first unannotated one. */
export function readCommandBlocks(readmePath: string): CommandBlock[] {
  const lines = readFileSync(readmePath, "utf8").split("\n");
  const blocks: CommandBlock[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#+\s+(.*)$/.exec(lines[i]);
    if (heading) section = heading[1];
    const fence = /^```(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new ReadmeBlockError(i + 1, "code block never closed");
    if (COMMAND_LANGUAGES.has(fence[1])) {
      const annotation = ANNOTATION.exec((lines[i - 1] ?? "").trim());
      if (!annotation) {
        throw new ReadmeBlockError(i + 1, "a command block needs a <!-- readme-test: local | compose | skip; why: ... --> line before it (test/support/readme-blocks.ts)");
      }
      const commands = lines.slice(i + 1, end).filter((l) => l.trim() && !l.trim().startsWith("#"));
      const block = { line: i + 1, section, commands, ...parseAnnotation(annotation[1], i) };
      for (const prefix of [...block.eventually, ...block.untilStopped.map((u) => u.command)]) {
        if (!commands.some((c) => c.startsWith(prefix))) throw new ReadmeBlockError(i, `"${prefix}" is named in readme-test but no command of the block starts with it`);
      }
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

/** How a command of a block is run. */
export function kindOf(block: CommandBlock, command: string): { kind: "once" | "eventually" } | { kind: "until-stopped"; ready?: string } {
  const stopped = block.untilStopped.find((u) => command.startsWith(u.command));
  if (stopped) return { kind: "until-stopped", ready: stopped.ready };
  return { kind: block.eventually.some((p) => command.startsWith(p)) ? "eventually" : "once" };
}
