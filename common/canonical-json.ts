/**
 * JSON with object keys sorted at every level, so two values that mean the same thing serialise to the
 * same text whatever order their keys were written in (request fingerprints, derived request ids).
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** SHA-256 (hex) of the canonical JSON of `value`. */
export function contentDigest(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value ?? null))
    .digest('hex');
}

/**
 * A request id bound to its body: `base` plus a digest of the body's canonical JSON. For a caller that
 * cannot promise the same body on every retry under one id (the platform answers such a reuse 422
 * `request_id_reused`): the same body is the same request, another body another request.
 */
export function requestIdFor(base: string, body: unknown): string {
  return `${base}:${contentDigest(body).slice(0, 16)}`;
}
