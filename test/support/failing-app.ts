// A suite app (runApp, as every app starts) that fails on purpose, the way OAM_TEST_FAILURE says:
// `crash` (an uncaught exception), `rejection` (an unhandled rejection) or `start` (its start
// fails). The error-mail test runs it to see the error mailed before the process exits.
import { runApp } from "../../apps/shared/runtime/run-app";

runApp("janitor", async () => {
  const how = process.env.OAM_TEST_FAILURE;
  if (how === "start") throw new Error("cannot start: test failure");
  setTimeout(() => {
    if (how === "crash") throw new Error("test crash");
    if (how === "rejection") void Promise.reject(new Error("test rejection"));
  }, 50);
  return { stop: async () => undefined };
});
