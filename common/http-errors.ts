/** Failure types of the worker's HTTP calls (activities/http-client.ts); pure, so workflows read them too. */
export const HTTP_ERROR_TYPES = {
  /** Network error, timeout, 5xx, 408, 429: retried with backoff within the window. */
  retryable: 'TransientHttpError',
  /** 401 / 403: the token was refused (configuration trouble): retried within the window. */
  authRejected: 'AuthRejected',
  /** Any other 4xx: the cell's definite "no", never retried; nothing was changed. */
  rejected: 'RequestRejected',
} as const;
