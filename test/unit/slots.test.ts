import { describe, expect, it } from "vitest";
import { Slots } from "../../apps/catalog-notifier/slots";

describe("Slots", () => {
  it("hands out up to its size at once, then in request order as slots come back", async () => {
    const slots = new Slots(2);
    const a = await slots.take();
    const b = await slots.take();
    expect(slots.inUse).toBe(2);
    const order: string[] = [];
    const c = slots.take().then((r) => (order.push("c"), r));
    const d = slots.take().then((r) => (order.push("d"), r));
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    const releaseC = await c;
    expect(order).toEqual(["c"]);
    expect(slots.inUse).toBe(2);
    b();
    const releaseD = await d;
    expect(order).toEqual(["c", "d"]);
    releaseC();
    releaseD();
    expect(slots.inUse).toBe(0);
  });

  it("counts a release once however often it is called", async () => {
    const slots = new Slots(1);
    const release = await slots.take();
    release();
    release();
    expect(slots.inUse).toBe(0);
    await slots.take();
    expect(slots.inUse).toBe(1);
  });

  it("lets a waiter give up when its signal aborts, and skips it", async () => {
    const slots = new Slots(1);
    const held = await slots.take();
    const abort = new AbortController();
    const gaveUp = slots.take(abort.signal);
    const next = slots.take();
    abort.abort();
    await expect(gaveUp).rejects.toThrow("aborted while waiting for a slot");
    held();
    const release = await next;
    expect(slots.inUse).toBe(1);
    release();
    await expect(slots.take(abort.signal)).rejects.toThrow("aborted");
    expect(slots.inUse).toBe(0);
  });

  it("use() holds a slot while its work runs and gives it back however the work ends", async () => {
    const slots = new Slots(1);
    let inside = -1;
    expect(await slots.use(undefined, async () => ((inside = slots.inUse), "done"))).toBe("done");
    expect(inside).toBe(1);
    expect(slots.inUse).toBe(0);
    await expect(slots.use(undefined, () => Promise.reject(new Error("post failed")))).rejects.toThrow("post failed");
    expect(slots.inUse).toBe(0);
  });
});
