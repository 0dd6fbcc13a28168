// Runs a README command block (test/support/readme-blocks.ts) as a reader would type it: each
// command in bash, in order, in one folder and environment; a command that exits non-zero fails
// the block with its output. `eventually` commands are retried until they succeed, `until-stopped`
// ones run until they are up and are then interrupted (Ctrl-C to their process group).
import { spawn } from "node:child_process";
import { kindOf, type CommandBlock } from "./readme-blocks";
import { waitFor } from "./wait";

interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Longest a command may take (npm ci on a busy machine). */
  commandTimeoutMs?: number;
  /** How long an `eventually` command is retried. */
  eventuallyMs?: number;
  /**
   * Run each command in a pseudo-terminal (script(1)), as typed at a terminal: `docker-compose exec`
   * wants one unless given -T.
   */
  tty?: boolean;
}

interface Result {
  code: number | null;
  output: string;
}

const tail = (s: string) => (s.length > 4000 ? `...${s.slice(-4000)}` : s);

function runOnce(command: string, o: RunOptions): Promise<Result> {
  return new Promise((resolve) => {
    // script(1) runs the command with $SHELL -c; its stdin stays open, as the session ends with it.
    const [file, args] = o.tty ? ["script", ["-qec", command, "/dev/null"]] : ["bash", ["-c", command]];
    const env = o.tty ? { ...o.env, SHELL: "/bin/bash" } : o.env;
    const child = spawn(file, args, { cwd: o.cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const timer = setTimeout(() => {
      output += `\n(killed after ${o.commandTimeoutMs ?? 600_000} ms)`;
      process.kill(-child.pid!, "SIGKILL");
    }, o.commandTimeoutMs ?? 600_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output });
    });
  });
}

async function runUntilStopped(command: string, ready: string | undefined, o: RunOptions): Promise<void> {
  const child = spawn("bash", ["-c", command], { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  let exited: number | null | undefined;
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const closed = new Promise<void>((r) => child.on("close", (code) => ((exited = code), r())));
  try {
    await waitFor(() => exited === undefined && (ready ? output.includes(ready) : output.trim().length > 0), {
      what: `"${command}" up${ready ? ` (printing ${ready})` : ""}`,
      timeoutMs: o.eventuallyMs ?? 90_000,
      intervalMs: 200,
    });
  } catch (err) {
    if (exited === undefined) process.kill(-child.pid!, "SIGKILL");
    throw new Error(`${(err as Error).message}; ${exited === undefined ? "still running" : `it exited with ${exited}`}; output:\n${tail(output)}`, { cause: err });
  }
  process.kill(-child.pid!, "SIGINT");
  const stop = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 60_000);
  await closed;
  clearTimeout(stop);
}

/** Runs every command of the block; throws on the first that fails, naming block and command. */
export async function runBlock(block: CommandBlock, o: RunOptions, log: (line: string) => void = () => undefined): Promise<void> {
  for (const command of block.commands) {
    const kind = kindOf(block, command);
    const where = `README.md line ${block.line} (${block.section}): \`${command}\``;
    log(`$ ${command}`);
    if (kind.kind === "until-stopped") {
      await runUntilStopped(command, kind.ready, o).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}`);
      });
    } else if (kind.kind === "eventually") {
      let last: Result | undefined;
      await waitFor(
        async () => {
          last = await runOnce(command, o);
          return last.code === 0;
        },
        { what: where, timeoutMs: o.eventuallyMs ?? 90_000, intervalMs: 1000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}: last exit ${last?.code}, output:\n${tail(last?.output ?? "")}`);
      });
    } else {
      const res = await runOnce(command, o);
      if (res.code !== 0) throw new Error(`${where} exited with ${res.code}; output:\n${tail(res.output)}`);
    }
  }
}
