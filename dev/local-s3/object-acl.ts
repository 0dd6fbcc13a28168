// Canned ACLs on PUT Object, which s3rver 3.7 ignores, checked as S3 checks them: a value that is
// not a canned ACL is refused (400 InvalidArgument), and when the bucket's Object Ownership is
// BucketOwnerEnforced (ACLs disabled; OAM_LOCAL_S3_OBJECT_OWNERSHIP=BucketOwnerEnforced) any ACL but
// bucket-owner-full-control is refused (400 AccessControlListNotSupported). So the suite's ACL
// (OAM_S3_ACL) is tried against what a real bucket would say, not waved through.
import type { LocalS3Settings } from "../local-settings";
import { ACL_OF_ENFORCED_OWNERSHIP, isObjectAcl } from "../../apps/shared/aws/object-acl";

interface KoaContext {
  get(header: string): string;
}

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const objectController = require("s3rver/lib/controllers/object");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require("s3rver/lib/models/error");

function refuse(code: string, message: string, detail: Record<string, string>): Error {
  const err = new S3Error(code, message, detail);
  // s3rver's table of codes does not know this one (it would answer 500); S3 answers 400.
  err.status = 400;
  err.expose = true;
  return err;
}

/** Wraps s3rver's PUT Object controller with the ACL check for a bucket of this ownership. */
export function checkObjectAcls(ownership: LocalS3Settings["objectOwnership"]): void {
  const putObject: (ctx: KoaContext) => Promise<void> = objectController.putObject;
  objectController.putObject = async (ctx: KoaContext) => {
    const acl = ctx.get("x-amz-acl");
    if (acl) {
      if (!isObjectAcl(acl)) throw refuse("InvalidArgument", "Invalid canned ACL", { ArgumentName: "x-amz-acl", ArgumentValue: acl });
      if (ownership === "BucketOwnerEnforced" && acl !== ACL_OF_ENFORCED_OWNERSHIP) {
        throw refuse("AccessControlListNotSupported", "The bucket does not allow ACLs", {});
      }
    }
    await putObject(ctx);
  };
}
