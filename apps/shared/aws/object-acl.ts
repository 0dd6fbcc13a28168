// The canned ACL every object the suite writes carries (OAM_S3_ACL). The original publisher wrote
// each status document with `bucket-owner-full-control`, so that when the bucket belongs to another
// account than the publisher's credentials, the bucket owner (and the API reading with its
// credentials) owns what was written. It is also the one ACL a bucket with ACLs disabled
// (Object Ownership "BucketOwnerEnforced") accepts, so it is the default.

/** S3's canned ACLs for objects. */
export const OBJECT_ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
] as const;

export type ObjectAcl = (typeof OBJECT_ACLS)[number];

export const DEFAULT_OBJECT_ACL: ObjectAcl = "bucket-owner-full-control";

/** The value of OAM_S3_ACL that sends no ACL at all (the bucket's default applies). */
export const NO_OBJECT_ACL = "none";

/** The one ACL a bucket whose Object Ownership is BucketOwnerEnforced takes on a PUT. */
export const ACL_OF_ENFORCED_OWNERSHIP: ObjectAcl = "bucket-owner-full-control";

export function isObjectAcl(value: string): value is ObjectAcl {
  return (OBJECT_ACLS as readonly string[]).includes(value);
}
