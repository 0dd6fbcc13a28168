// Counts the requests an AWS SDK client sends, by command name (PutObjectCommand, ...), with a
// middleware on the client itself: tests see how many S3 calls a piece of work took, and how many
// SQS receives were out at once.

/** What both need of an SDK client (S3Client, SQSClient, ...): a middleware stack to add to. */
interface SdkClient {
  middlewareStack: {
    add(
      middleware: (next: (args: any) => Promise<any>, context: { commandName?: string }) => (args: any) => Promise<any>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

export function countRequests(client: SdkClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? "unknown";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
  return counts;
}

/** Requests of one command an SDK client has out at once: now, and the most since the last reset. */
interface Outstanding {
  readonly now: number;
  readonly max: number;
  readonly sent: number;
  /** Starts a new window: `max` becomes what is out now. */
  reset(): void;
}

export function trackOutstanding(client: SdkClient, commandName: string): Outstanding {
  const state = { now: 0, max: 0, sent: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== commandName) return next(args);
      state.sent++;
      state.max = Math.max(state.max, ++state.now);
      try {
        return await next(args);
      } finally {
        state.now--;
      }
    },
    { step: "initialize", name: `trackOutstanding${commandName}` },
  );
  return {
    get now() {
      return state.now;
    },
    get max() {
      return state.max;
    },
    get sent() {
      return state.sent;
    },
    reset() {
      state.max = state.now;
    },
  };
}
