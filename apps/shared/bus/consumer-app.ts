// What the two bus consumers' main.ts share: they learn what the store does with conditional
// writes before taking work (store-probe.ts), report the metrics every consumer reports, and stop
// the probe and the consumer together.
import type { S3Client } from "@aws-sdk/client-s3";
import { PROBE_WAIT_MS, StoreCapability } from "../aws/store-probe";
import type { BusConsumer } from "./consumer";
import type { ConsumerConfig } from "../runtime/config";
import type { Logger } from "../runtime/logger";
import { exposeMetrics, type Gauge } from "../runtime/metrics";
import { METRIC } from "../runtime/names";
import type { Running } from "../runtime/run-app";

/** Probes the store, waiting at most PROBE_WAIT_MS for its answer (the probe goes on after that). */
export async function probeStore(s3: S3Client, config: ConsumerConfig, logger: Logger): Promise<StoreCapability> {
  const store = new StoreCapability(s3, config.status.bucket, config.status.prefix, config.app, logger);
  await store.start(PROBE_WAIT_MS, config.s3MaxBackoffMs);
  return store;
}

/** Starts the consumer with the common metrics and `own` ones; the app.started line says what the store honours. */
export function runConsumer(consumer: BusConsumer, store: StoreCapability, own: Record<string, Gauge | (() => number)>): Running {
  consumer.start();
  exposeMetrics({
    [METRIC.received]: () => consumer.stats.received,
    [METRIC.inFlight]: () => consumer.inFlight,
    ...own,
    [METRIC.storeConditionalWrites]: () => store.metric,
  });
  return {
    describe: () => store.describe(),
    async stop(drainUntil) {
      store.stop();
      await consumer.stop(drainUntil);
    },
  };
}
