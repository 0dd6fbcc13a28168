// What an AWS SDK error means, without loading the SDK.
function describe(err: unknown): { name?: string; status?: number } {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { name: e?.name, status: e?.$metadata?.httpStatusCode };
}

/** S3 answered that a conditional write lost to another writer. */
export function isPreconditionFailure(err: unknown): boolean {
  const { name, status } = describe(err);
  return name === "PreconditionFailed" || name === "ConditionalRequestConflict" || status === 412 || status === 409;
}

export function isNotFound(err: unknown): boolean {
  const { name, status } = describe(err);
  return name === "NotFound" || name === "NoSuchKey" || status === 404;
}

/** The store does not implement what the request asked for (a conditional header, say). */
export function isNotImplemented(err: unknown): boolean {
  const { name, status } = describe(err);
  return name === "NotImplemented" || status === 501;
}
