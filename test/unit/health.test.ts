// The health and readiness rules (apps/shared/runtime/health.ts), shared by oam-status health and /healthz.
import { describe, expect, it } from "vitest";
import { assessHealth } from "../../apps/shared/runtime/health";
import type { Pm2App } from "../../apps/shared/runtime/pm2-processes";
import { pm2App } from "../support/pm2-app";

const NOW = 1_700_000_000_000;
// Up for 600 s, and has reported its metrics: what health and readiness look at.
const app = (name: string, more: Partial<Pm2App> = {}) => pm2App(name, { startedAt: NOW - 600_000, metrics: { received: 1 }, ...more });
const suite = (poller: Partial<Pm2App> = {}, others: Pm2App[] = [app("status-writer"), app("catalog-notifier"), app("janitor")]) => [
  app("poller", { metrics: { "last poll age": 3 }, ...poller }),
  ...others,
];

describe("assessHealth", () => {
  it("is healthy and ready when every app is online and the poller polls", () => {
    expect(assessHealth(suite(), 120, NOW)).toEqual({ healthy: true, problems: [], ready: true, notReady: [], notes: [], store: { conditionalWrites: "unknown" } });
  });

  it("names an app that is not online or not in pm2", () => {
    const h = assessHealth(suite({}, [app("status-writer", { status: "errored" }), app("janitor")]), 120, NOW);
    expect(h.healthy).toBe(false);
    expect(h.problems).toEqual(["status-writer is errored", "catalog-notifier is not in pm2"]);
    expect(h.notReady).toEqual(h.problems);
  });

  it("fails a poller that has not polled for longer than the limit", () => {
    expect(assessHealth(suite({ metrics: { "last poll age": 300 } }), 120, NOW).problems).toEqual(["the poller has not completed a poll for 300 s"]);
    expect(assessHealth(suite({ metrics: { "last poll age": -1 } }), 120, NOW).problems).toEqual(["the poller has not completed a poll for its 600 s of uptime"]);
  });

  it("is healthy but not ready while the poller is young and has not polled", () => {
    const h = assessHealth(suite({ startedAt: NOW - 10_000, metrics: { "last poll age": -1 } }), 120, NOW);
    expect(h.healthy).toBe(true);
    expect(h.ready).toBe(false);
    expect(h.notReady).toEqual(["the poller has not completed a poll yet"]);
  });

  it("is not ready until every app has reported its metrics", () => {
    const h = assessHealth(suite({}, [app("status-writer", { metrics: {} }), app("catalog-notifier"), app("janitor")]), 120, NOW);
    expect(h.healthy).toBe(true);
    expect(h.notReady).toEqual(["status-writer has not reported its metrics yet"]);
  });

  it("notes a store that ignores conditional writes without failing", () => {
    const h = assessHealth(suite({}, [app("status-writer", { metrics: { "store conditional writes": 0 } }), app("catalog-notifier"), app("janitor")]), 120, NOW);
    expect(h.healthy).toBe(true);
    expect(h.ready).toBe(true);
    expect(h.notes).toEqual([expect.stringContaining("the S3 store ignores conditional writes")]);
    expect(h.notes[0]).toContain("two suites must not share");
    expect(h.store).toEqual({ conditionalWrites: "ignored" });
  });

  it("says the store honours conditional writes once both consumers found so", () => {
    const probed = { metrics: { "store conditional writes": 1 } };
    const h = assessHealth(suite({}, [app("status-writer", probed), app("catalog-notifier", probed), app("janitor")]), 120, NOW);
    expect(h).toMatchObject({ healthy: true, notes: [], store: { conditionalWrites: "honoured" } });
  });

  it("fails while the catalog refuses the API token: finished jobs wait for an operator", () => {
    const h = assessHealth(suite({}, [app("status-writer"), app("catalog-notifier", { metrics: { "catalog token refused": 1 } }), app("janitor")]), 120, NOW);
    expect(h.healthy).toBe(false);
    expect(h.problems).toEqual([expect.stringContaining("the catalog refuses the API token")]);
  });
});
