// Conditional PUTs, which s3rver 3.7 ignores and S3 honours (since 2024): the status writer and the
// catalog notifier rely on them so that a stale write loses (two suites on one queue, or a restart
// with an empty cache). s3rver's PUT Object controller is wrapped: the PUTs of one key run one
// after another, and a conditional one is checked against the stored ETag first, answered as S3
// answers it:
// - If-None-Match: * and the object exists: 412 PreconditionFailed;
// - If-Match and the object is missing: 404 NoSuchKey; another ETag: 412 PreconditionFailed.
// The check and the write run in one turn per key; each store operation is whole on its own
// (store-fixes.ts), so a read never pairs one version's ETag with another's metadata.
import { KeyedQueue } from "../../apps/shared/util/keyed-queue";

interface KoaContext {
  params: { bucket: string; key: string };
  get(header: string): string;
  store: { getMetadata(bucket: string, key: string): Promise<{ etag: string }> };
}

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const objectController = require("s3rver/lib/controllers/object");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require("s3rver/lib/models/error");

const PRECONDITION_FAILED = "At least one of the pre-conditions you specified did not hold";

/** The stored object's ETag (quoted, as S3 gives it), or undefined when there is none. */
async function storedEtag(ctx: KoaContext): Promise<string | undefined> {
  try {
    return (await ctx.store.getMetadata(ctx.params.bucket, ctx.params.key)).etag;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** If-Match holds "*" or a list of ETags, quoted or not. */
export function etagListMatches(header: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return header.split(",").some((t) => t.trim() === "*" || bare(t) === bare(etag));
}

async function checkPreconditions(ctx: KoaContext): Promise<void> {
  const ifMatch = ctx.get("if-match");
  const ifNoneMatch = ctx.get("if-none-match");
  if (!ifMatch && !ifNoneMatch) return;
  if (ifNoneMatch && ifNoneMatch.trim() !== "*") throw new S3Error("NotImplemented", "If-None-Match on PUT only takes *", { Header: "If-None-Match" });
  const etag = await storedEtag(ctx);
  if (ifNoneMatch && etag !== undefined) throw new S3Error("PreconditionFailed", PRECONDITION_FAILED, { Condition: "If-None-Match" });
  if (ifMatch && etag === undefined) throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: ctx.params.key });
  if (ifMatch && !etagListMatches(ifMatch, etag!)) throw new S3Error("PreconditionFailed", PRECONDITION_FAILED, { Condition: "If-Match" });
}

const perKey = new KeyedQueue();
const putObject: (ctx: KoaContext) => Promise<void> = objectController.putObject;
objectController.putObject = (ctx: KoaContext) =>
  perKey.run(`${ctx.params.bucket}/${ctx.params.key}`, async () => {
    await checkPreconditions(ctx);
    await putObject(ctx);
  });
