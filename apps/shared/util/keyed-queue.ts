// Runs tasks one after another per key (a job), different keys in parallel. Keeps no entry for an
// idle key, so memory follows the work in progress only.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const mine = prev.catch(() => undefined).then(task);
    this.tails.set(key, mine);
    const forget = () => {
      if (this.tails.get(key) === mine) this.tails.delete(key);
    };
    mine.then(forget, forget);
    return mine;
  }

  get size(): number {
    return this.tails.size;
  }
}
