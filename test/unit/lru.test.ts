// LruMap: a size-bounded map that forgets its least recently used entries.
import { describe, expect, it } from "vitest";
import { LruMap } from "../../apps/shared/util/lru";

function keysOf<K, V>(lru: LruMap<K, V>, candidates: K[]): K[] {
  return candidates.filter((k) => lru.has(k));
}

describe("LruMap", () => {
  it("stores and returns values", () => {
    const lru = new LruMap<string, number>(3);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    expect(lru.get("b")).toBe(2);
    expect(lru.get("c")).toBeUndefined();
    expect(lru.has("a")).toBe(true);
    expect(lru.has("c")).toBe(false);
    expect(lru.size).toBe(2);
  });

  it("never holds more than max entries", () => {
    const lru = new LruMap<number, number>(5);
    for (let i = 0; i < 1000; i++) {
      lru.set(i, i * 2);
      expect(lru.size).toBeLessThanOrEqual(5);
    }
    expect(lru.size).toBe(5);
    expect(keysOf(lru, [995, 996, 997, 998, 999])).toEqual([995, 996, 997, 998, 999]);
    expect(lru.get(994)).toBeUndefined();
    expect(lru.get(999)).toBe(1998);
  });

  it("evicts the least recently set entry first", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("c", 3);
    expect(keysOf(lru, ["a", "b", "c"])).toEqual(["b", "c"]);
  });

  it("get makes an entry most recently used", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect(keysOf(lru, ["a", "b", "c"])).toEqual(["a", "c"]);
  });

  it("setting an existing key updates it, refreshes it and does not grow the map", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("a", 10);
    expect(lru.size).toBe(2);
    lru.set("c", 3);
    expect(keysOf(lru, ["a", "b", "c"])).toEqual(["a", "c"]);
    expect(lru.get("a")).toBe(10);
  });

  it("has does not refresh an entry", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.has("a")).toBe(true);
    lru.set("c", 3);
    expect(lru.has("a")).toBe(false);
  });

  it("a miss does not disturb the order", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("zzz")).toBeUndefined();
    lru.set("c", 3);
    expect(keysOf(lru, ["a", "b", "c"])).toEqual(["b", "c"]);
  });

  it("delete removes an entry and frees its slot", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.delete("a");
    expect(lru.has("a")).toBe(false);
    expect(lru.size).toBe(1);
    lru.set("c", 3);
    expect(keysOf(lru, ["a", "b", "c"])).toEqual(["b", "c"]);
    lru.delete("not-there");
    expect(lru.size).toBe(2);
  });

  it("keeps falsy values such as 0, '' and false", () => {
    const lru = new LruMap<string, unknown>(5);
    lru.set("zero", 0);
    lru.set("empty", "");
    lru.set("no", false);
    lru.set("nil", null);
    expect(lru.get("zero")).toBe(0);
    expect(lru.get("empty")).toBe("");
    expect(lru.get("no")).toBe(false);
    expect(lru.get("nil")).toBeNull();
    expect(lru.size).toBe(4);
  });

  it("a falsy value is refreshed by get like any other", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("zero", 0);
    lru.set("one", 1);
    expect(lru.get("zero")).toBe(0);
    lru.set("two", 2);
    expect(keysOf(lru, ["zero", "one", "two"])).toEqual(["zero", "two"]);
  });

  it("a map of size 1 keeps only the last entry", () => {
    const lru = new LruMap<string, number>(1);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.size).toBe(1);
    expect(lru.get("a")).toBeUndefined();
    expect(lru.get("b")).toBe(2);
  });

  it("uses key identity for object keys", () => {
    const k1 = { id: 1 };
    const k2 = { id: 1 };
    const lru = new LruMap<object, string>(3);
    lru.set(k1, "one");
    expect(lru.get(k1)).toBe("one");
    expect(lru.get(k2)).toBeUndefined();
  });
});
