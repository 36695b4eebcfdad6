/**
 * What every cell shares: its SQLite file, the record store, X-Request-ID replay, the outbox, and the
 * `mutate` helper that runs a change, its idempotency entry and its events in ONE transaction.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PayloadSchemas, isKnownEventType } from '../../common/events';
import type { Logger } from '../../common/logger';
import { access } from './access';
import type { ListPage } from '../../common/paging';
import type { TokenMap } from './auth';
import type { Cell } from './config';
import { openDb, type Db } from './db';
import { HttpError, notFound, parse } from './errors';
import { checkTransition, liveBySource } from './lifecycle';
import {
  createIdempotencyStore,
  fingerprintOf,
  REPLAY_HEADER,
  requestIdOf,
  type IdempotencyStore,
} from './idempotency';
import { createOutbox, MAX_PAYLOAD_BYTES, type DocumentRef, type Outbox } from './outbox';
import { createRecordStore, RecordPageQuery, type BaseRecord, type RecordStore } from './record-store';
import { createServer } from './server';

export interface CellResult {
  status: number;
  body: unknown;
  events?: Array<{ type: string; payload: Record<string, unknown>; document: DocumentRef }>;
}

export interface CellContext {
  name: Cell;
  db: Db;
  store: RecordStore;
  outbox: Outbox;
  /** Runs `fn` for the caller's tenant, honouring X-Request-ID; `fn` throwing rolls everything back. */
  mutate(request: FastifyRequest, reply: FastifyReply, fn: (tenantId: string) => CellResult): unknown;
  tenantOf(request: FastifyRequest): string;
  /** One page of the caller's tenant's list (`?limit=&cursor=`, paging.ts): `{items, nextCursor}`. */
  page<T extends BaseRecord>(
    request: FastifyRequest,
    collection: string,
    filters?: Record<string, string>,
  ): ListPage<T>;
  /** The tenant's record or 404 (also for another tenant's record, so its existence is not revealed). */
  getOr404<T extends BaseRecord>(collection: string, tenantId: string, id: string): T;
  /** The live document of a business source, if there is one (lifecycle.ts): a create answers it, 200. */
  liveBySource<T extends BaseRecord>(
    collection: string,
    tenantId: string,
    source: Record<string, string | null | undefined>,
    statusField?: string,
  ): T | undefined;
  /** A status change under the lifecycle rules: the same status is a no-op, a refused one answers 409. */
  setStatus<T extends BaseRecord>(collection: string, record: T, to: number, statusField?: string): CellResult;
}

export interface CellOptions {
  dataDir: string;
  /** The token the cell's outbox publishes with; also the one admin token when `tokens` is not given. */
  token: string;
  /** Tokens, their roles and tenants (platform/shared/auth.ts). */
  tokens?: TokenMap;
  logger: Logger;
  faultsEnabled?: boolean;
}

export interface CellApp {
  name: Cell;
  app: FastifyInstance;
  outbox: Outbox;
  close(): Promise<void>;
}

export { parse } from './errors';

/** Every cell route: any token, for the tenant its X-Tenant-ID names (checked by the auth hook). */
export const TENANT = access('tenant');

function tenantOf(request: FastifyRequest): string {
  const raw = request.headers['x-tenant-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || value.length > 100) {
    throw new HttpError(400, 'validation_error', 'missing or invalid X-Tenant-ID header', [
      { field: 'X-Tenant-ID', message: 'required, 1..100 characters' },
    ]);
  }
  return value;
}

function createContext(name: Cell, db: Db, outbox: Outbox): CellContext {
  const store = createRecordStore(db);
  const idem: IdempotencyStore = createIdempotencyStore(db);
  type Key = { requestId: string; fingerprint: string } | undefined;
  const run = db.transaction((tenantId: string, key: Key, fn: (t: string) => CellResult) => {
    if (key) {
      const prior = idem.replay(tenantId, key.requestId, key.fingerprint);
      if (prior) return { ...prior, replayed: true, published: false };
    }
    const result = fn(tenantId);
    if (key && result.status < 300) {
      idem.put(tenantId, key.requestId, key.fingerprint, { status: result.status, body: result.body });
    }
    for (const e of result.events ?? []) {
      // A payload drifting from the shared contract is a bug here, not the caller's problem: fail loudly.
      if (isKnownEventType(e.type)) PayloadSchemas[e.type].parse(e.payload);
      outbox.add(e.type, tenantId, e.payload, e.document);
    }
    return { status: result.status, body: result.body, replayed: false, published: !!result.events?.length };
  });
  return {
    name,
    db,
    store,
    outbox,
    tenantOf,
    page(request, collection, filters = {}) {
      const tenantId = tenantOf(request);
      return store.page(collection, tenantId, filters, parse(RecordPageQuery, request.query));
    },
    mutate(request, reply, fn) {
      const tenantId = tenantOf(request);
      const requestId = requestIdOf(request);
      const key = requestId ? { requestId, fingerprint: fingerprintOf(request, `/api/v1/${name}`) } : undefined;
      const r = run(tenantId, key, fn);
      if (r.published) outbox.kick();
      if (r.replayed) reply.header(REPLAY_HEADER, 'true');
      reply.code(r.status);
      return r.body;
    },
    getOr404<T extends BaseRecord>(collection: string, tenantId: string, id: string): T {
      const record = store.get<T>(collection, tenantId, id);
      if (!record) throw notFound(singular(collection));
      return record;
    },
    liveBySource(collection, tenantId, source, statusField = 'status') {
      return liveBySource(store, collection, tenantId, source, statusField);
    },
    setStatus(collection, record, to, statusField = 'status') {
      const from = record[statusField] as number;
      checkTransition(singular(collection), record.id, from, to);
      if (from === to) return { status: 200, body: record };
      return { status: 200, body: store.update(collection, record, { [statusField]: to } as Partial<typeof record>) };
    },
  };
}

const singular = (collection: string): string => collection.replace(/_/g, ' ').replace(/s$/, '');

/** Builds a cell's server; `routes` is registered at the root and under `/api/v1/<cell>`. */
export function createCell(
  name: Cell,
  opts: CellOptions,
  routes: (app: FastifyInstance, ctx: CellContext) => void,
): CellApp {
  const logger = opts.logger.child({ service: name });
  const db = openDb(opts.dataDir, name);
  const outbox = createOutbox(db, name, opts.token, logger);
  const ctx = createContext(name, db, outbox);
  const app = createServer({ logger, token: opts.token, tokens: opts.tokens, faultsEnabled: opts.faultsEnabled });
  const plugin = async (instance: FastifyInstance): Promise<void> => routes(instance, ctx);
  app.register(plugin);
  app.register(plugin, { prefix: `/api/v1/${name}` });
  return {
    name,
    app,
    outbox,
    async close() {
      await app.close();
      await outbox.stop();
      db.close();
    },
  };
}

/** Common record fields for a new record. */
export function stamp(id: string, tenantId: string): BaseRecord {
  const now = new Date().toISOString();
  return { id, tenantId, createdAt: now, updatedAt: now };
}

/**
 * Refuses at create (400 naming `field`) a document whose eventual event the bus could never take: `payload`
 * is what that event will carry, measured as the outbox sends it.
 */
export function refuseOversize(payload: Record<string, unknown>, field: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes <= MAX_PAYLOAD_BYTES) return;
  const message = `its event would carry ${bytes} bytes of JSON; the bus takes at most ${MAX_PAYLOAD_BYTES}`;
  throw new HttpError(400, 'validation_error', `invalid ${field}`, [{ field, message }]);
}

export const StatusSchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(9)]);
export const idField = z.string().min(1).max(200);
export const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const currency = z.string().min(3).max(8).default('CNY');
/** Optional string list filter from the query string (`?sourceContractId=`); ignores other keys. */
export function filtersOf(query: unknown, keys: string[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const q = (query ?? {}) as Record<string, unknown>;
  for (const k of keys) if (typeof q[k] === 'string' && q[k] !== '') out[prefix + k] = q[k] as string;
  return out;
}
