import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** Failure types of the worker's HTTP calls (activities/http-client.ts); pure, so workflows read them too. */
export const HTTP_ERROR_TYPES = {
  /** Network error, timeout, 5xx, 408, 429: retried with backoff within the window. */
  retryable: 'TransientHttpError',
  /** 401 / 403: the token was refused (configuration trouble): retried within the window. */
  authRejected: 'AuthRejected',
  /** Any other 4xx: the cell's definite "no", never retried; nothing was changed. */
  rejected: 'RequestRejected',
} as const;

/**
 * The cell answered a definite "no" (a 4xx other than 408 / 429: nothing was made), seen from an activity
 * or, through its ActivityFailure, from a workflow; `status` narrows it to one answer (404).
 */
export function isRejection(err: unknown, status?: number): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || cause.type !== HTTP_ERROR_TYPES.rejected) return false;
  return status === undefined || (cause.details?.[0] as { status?: unknown } | undefined)?.status === status;
}
