// The consumers as the integration tests build them: the notifier's options tuned for quick
// retries, and a store whose conditional-write support is probed as the apps do at start.
import type { NotifierOptions } from "../../apps/catalog-notifier/catalog-notifier";
import { StoreCapability } from "../../apps/shared/aws/store-probe";
import type { Logger } from "../../apps/shared/runtime/logger";
import type { LocalS3 } from "./local-servers";

/** Short backoffs so retries take milliseconds; one owner, so a test can plant its own claims. */
export const NOTIFIER_OPTIONS: NotifierOptions = {
  mock: false,
  maxBackoffMs: 50,
  s3MaxBackoffMs: 50,
  startingDelayMs: 10,
  owner: "host-a:/run",
  claimLeaseMs: 60_000,
  maxConcurrentPosts: 8,
};

/** What `app` learns of the store under the "statuses" prefix, once the probe has answered. */
export async function probedStore(s3: LocalS3, app: string, logger: Logger): Promise<StoreCapability> {
  const capability = new StoreCapability(s3.client, s3.bucket, "statuses", app, logger);
  await capability.start(5000, 1000);
  return capability;
}
