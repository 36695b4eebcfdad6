/**
 * The chain of an error's messages, outermost first: "activity failed: POST ... answered 422: ...".
 * `skip` leaves levels out (a workflow skips the SDK's ActivityFailure wrapper). Pure: workflows use it too.
 */
export function causeChain(err: unknown, skip: (e: Error) => boolean = () => false): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e instanceof Error && parts.length < 5) {
    if (!skip(e)) parts.push(e.message);
    e = (e as Error & { cause?: unknown }).cause;
  }
  return parts.filter(Boolean).join(': ') || String(err);
}
