// A bench script in a child process of its own (so its time, CPU and memory are not the
// benchmark's), and the report it sends back.
import { fork, type ChildProcess, type ForkOptions } from "node:child_process";
import path from "node:path";
import { ROOT } from "../test/support/local-servers";

/**
 * Forks dist/bench/<script>.js and resolves with its first message, and the child (which may keep
 * running); rejects if it ends without one. Waits for "close", not "exit": a child's last message
 * can come after its exit, never after its IPC channel closes. The AWS SDK's warning that Node 20
 * is below the version it supports is turned off: it would come once per child.
 */
export function forkReport<T>(script: string, args: string[] = [], opts: ForkOptions = {}): Promise<{ report: T; child: ChildProcess }> {
  const child = fork(path.join(ROOT, "dist/bench", `${script}.js`), args, {
    ...opts,
    env: { ...(opts.env ?? process.env), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ report: m as T, child }));
    child.once("close", (code, signal) => reject(new Error(`${script} ended with ${code ?? signal} before reporting`)));
  });
}
