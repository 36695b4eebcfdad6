/**
 * `X-Request-ID` replay store: the first successful answer to a key is kept per scope (a tenant on the
 * cells, a caller on the DLQ) together with the fingerprint of the request it answered, and returned
 * again only to the same request, so a retried call never creates or publishes twice and a reused key
 * is never told that a different change succeeded. Errors are not stored: they changed nothing, so a
 * retry may legitimately succeed.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from '../../common/canonical-json';
import { HttpError } from './errors';
import type { Db } from './db';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyStore {
  /**
   * The answer stored for `key` if it was given to the request with this fingerprint; undefined when the
   * key is new; 422 `request_id_reused` when the key answered another request. Call it inside the
   * transaction that makes the change, so the check and the change cannot interleave with another.
   */
  replay(scope: string, key: string, fingerprint: string): StoredResponse | undefined;
  put(scope: string, key: string, fingerprint: string, res: StoredResponse): void;
}

export function createIdempotencyStore(db: Db): IdempotencyStore {
  db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL, fingerprint TEXT, PRIMARY KEY (scope, request_id))`);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(idempotency)').all();
  // Tables of older versions: their rows keep a NULL fingerprint (see `replay`).
  if (!columns.some((c) => c.name === 'fingerprint')) db.exec('ALTER TABLE idempotency ADD COLUMN fingerprint TEXT');
  const select = db.prepare<[string, string], { status: number; body: string; fingerprint: string | null }>(
    'SELECT status, body, fingerprint FROM idempotency WHERE scope = ? AND request_id = ?',
  );
  const insert = db.prepare(
    `INSERT OR IGNORE INTO idempotency (scope, request_id, status, body, created_at, fingerprint)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  return {
    replay(scope, key, fingerprint) {
      const row = select.get(scope, key);
      if (!row) return undefined;
      // A row of an older version has no fingerprint: replayed as that version did, so a call in flight
      // across the upgrade is answered, not refused (its caller would take a 422 as a permanent failure).
      if (row.fingerprint !== null && row.fingerprint !== fingerprint) throw requestIdReused(key);
      return { status: row.status, body: JSON.parse(row.body) };
    },
    put(scope, key, fingerprint, res) {
      insert.run(scope, key, res.status, JSON.stringify(res.body), new Date().toISOString(), fingerprint);
    },
  };
}

function requestIdReused(key: string): HttpError {
  return new HttpError(
    422,
    'request_id_reused',
    `X-Request-ID ${JSON.stringify(key)} was used for another request; send a new X-Request-ID for a new request`,
    [{ field: 'X-Request-ID', message: 'already used for another method, path or body' }],
    { requestId: key },
  );
}

/**
 * What a request is, for `X-Request-ID`: sha256 of the method, the path and the canonical JSON body.
 * `mount` (a cell's `/api/v1/<cell>`) is cut from the path, so the same request sent to the cell through
 * the gateway proxy (which forwards it to the cell's root) or straight to the prefixed route is one
 * request. The query string is left out: no mutating route reads it, so a query that changes nothing
 * must not turn a retry into a refusal. An absent body is `{}`, as the routes read it.
 */
export function fingerprintOf(request: FastifyRequest, mount = ''): string {
  let path = request.url.split('?')[0];
  if (mount && (path === mount || path.startsWith(`${mount}/`))) path = path.slice(mount.length) || '/';
  const body = canonicalJson(request.body ?? {});
  return createHash('sha256').update(`${request.method}\n${path}\n${body}`).digest('hex');
}

/** The request's `X-Request-ID`, if any. */
export function requestIdOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['x-request-id'];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || value.length > 200) {
    throw new HttpError(400, 'validation_error', 'invalid X-Request-ID', [
      { field: 'X-Request-ID', message: 'must be 1..200 characters' },
    ]);
  }
  return value;
}

export const REPLAY_HEADER = 'idempotent-replayed';
