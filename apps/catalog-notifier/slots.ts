// A counting semaphore whose waiters can give up (an AbortSignal): how the catalog notifier bounds
// the jobs it has between a POST and its recorded outcome. Slots are handed out in request order.
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.size - this.free;
  }

  /** Runs `work` holding a slot, released when it settles. */
  async use<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const release = await this.take(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Resolves with the slot's release function once one is free; rejects if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error("aborted while waiting for a slot"));
      const grant = () => {
        signal?.removeEventListener("abort", giveUp);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.release();
        });
      };
      const giveUp = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error("aborted while waiting for a slot"));
      };
      if (this.free > 0) {
        this.free--;
        grant();
        return;
      }
      this.waiting.push(grant);
      signal?.addEventListener("abort", giveUp, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on
    else this.free++;
  }
}
