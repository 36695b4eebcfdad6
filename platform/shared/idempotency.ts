/**
 * `X-Request-ID` replay store: the first successful answer to a key is kept per tenant and returned again
 * for the same key, so a retried call never creates or publishes twice. Errors are not stored: they
 * changed nothing, so a retry may legitimately succeed.
 */
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';
import type { Db } from './db';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyStore {
  get(scope: string, key: string): StoredResponse | undefined;
  put(scope: string, key: string, res: StoredResponse): void;
}

export function createIdempotencyStore(db: Db): IdempotencyStore {
  db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (scope, request_id))`);
  const select = db.prepare<[string, string], { status: number; body: string }>(
    'SELECT status, body FROM idempotency WHERE scope = ? AND request_id = ?',
  );
  const insert = db.prepare('INSERT OR IGNORE INTO idempotency VALUES (?, ?, ?, ?, ?)');
  return {
    get(scope, key) {
      const row = select.get(scope, key);
      return row && { status: row.status, body: JSON.parse(row.body) };
    },
    put(scope, key, res) {
      insert.run(scope, key, res.status, JSON.stringify(res.body), new Date().toISOString());
    },
  };
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
