/**
 * The bus's durable log: seq is an AUTOINCREMENT primary key, so it only grows, also across restarts,
 * and eventId is unique so a re-published event is stored once. Long-polls wait on an in-process emitter
 * that fires on every append, not on a sleep loop.
 */
import { EventEmitter } from 'node:events';
import type { BusEvent, PublishEvent } from '../../common/events';
import type { Db } from '../shared/db';

export type AppendResult =
  | { eventId: string; seq: number; duplicate: boolean }
  /** The eventId is taken by another tenant's event: nothing stored, and nothing of it revealed. */
  | { eventId: string; conflict: true };

export interface ReadOptions {
  after: number;
  limit: number;
  waitMs: number;
  tenantId?: string;
  signal?: AbortSignal;
}

/** Where a time falls on the bus (`GET /api/events/position`). */
export interface BusPosition {
  /** The time asked for, as an ISO instant (UTC, milliseconds). */
  at: string;
  /** The first seq the bus received at or after `at` (of `tenantId`, if given); null when there is none yet. */
  seq: number | null;
  /** When the bus received that event. */
  receivedAt: string | null;
  /** The read cursor that starts there: `GET /api/events?after=<after>` answers `seq` first. */
  after: number;
  /** The newest seq on the bus (0 when it is empty). */
  head: number;
}

export interface EventStore {
  append(event: PublishEvent): AppendResult;
  read(opts: ReadOptions): Promise<{ events: BusEvent[]; nextAfter: number }>;
  /**
   * The first event received at or after `at` (an ISO instant), by a binary search on seq: the receive time
   * is stamped by this one process at append, in seq order, so it never decreases along seq. O(log n)
   * primary-key reads, whatever the bus's size.
   */
  position(at: string, tenantId?: string): BusPosition;
  /** Resolves every pending long-poll (used on shutdown). */
  wakeAll(): void;
}

interface Row {
  seq: number;
  event_id: string;
  event_type: string;
  tenant_id: string;
  occurred_at: string;
  source: string | null;
  payload: string;
}

export function createEventStore(db: Db): EventStore {
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
    tenant_id TEXT NOT NULL, occurred_at TEXT NOT NULL, source TEXT, payload TEXT NOT NULL,
    received_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS events_tenant ON events (tenant_id, seq);`);
  const insert = db.prepare(
    `INSERT INTO events (event_id, event_type, tenant_id, occurred_at, source, payload, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  );
  const byId = db.prepare<[string], { seq: number; tenant_id: string }>(
    'SELECT seq, tenant_id FROM events WHERE event_id = ?',
  );
  const page = db.prepare<[number, number], Row>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const pageForTenant = db.prepare<[number, string, number], Row>(
    'SELECT * FROM events WHERE seq > ? AND tenant_id = ? ORDER BY seq LIMIT ?',
  );
  const seqAtOrAfter = db.prepare<[number], { seq: number; received_at: string }>(
    'SELECT seq, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1',
  );
  const tenantSeqAtOrAfter = db.prepare<[string, number], { seq: number; received_at: string }>(
    'SELECT seq, received_at FROM events WHERE tenant_id = ? AND seq >= ? ORDER BY seq LIMIT 1',
  );
  const bounds = db.prepare<[], { lo: number | null; hi: number | null }>(
    'SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM events',
  );
  const appended = new EventEmitter();
  appended.setMaxListeners(0);

  const toEvent = (r: Row): BusEvent => ({
    seq: r.seq,
    eventId: r.event_id,
    eventType: r.event_type,
    tenantId: r.tenant_id,
    occurredAt: r.occurred_at,
    ...(r.source !== null ? { source: r.source } : {}),
    payload: JSON.parse(r.payload),
  });

  function query(after: number, limit: number, tenantId?: string): BusEvent[] {
    const rows = tenantId ? pageForTenant.all(after, tenantId, limit) : page.all(after, limit);
    return rows.map(toEvent);
  }

  function nextAppend(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        appended.off('append', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      appended.once('append', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  return {
    append(e) {
      const now = new Date().toISOString();
      const info = insert.run(
        e.eventId,
        e.eventType,
        e.tenantId,
        e.occurredAt ?? now,
        e.source ?? null,
        JSON.stringify(e.payload),
        now,
      );
      if (info.changes === 0) {
        const prior = byId.get(e.eventId)!;
        if (prior.tenant_id !== e.tenantId) return { eventId: e.eventId, conflict: true };
        return { eventId: e.eventId, seq: prior.seq, duplicate: true };
      }
      appended.emit('append');
      return { eventId: e.eventId, seq: Number(info.lastInsertRowid), duplicate: false };
    },
    async read({ after, limit, waitMs, tenantId, signal }) {
      const deadline = Date.now() + waitMs;
      let events = query(after, limit, tenantId);
      // Another tenant's append wakes us too; keep waiting until our own event or the deadline.
      while (events.length === 0 && !signal?.aborted && Date.now() < deadline) {
        await nextAppend(deadline - Date.now(), signal);
        events = query(after, limit, tenantId);
      }
      return { events, nextAfter: events.length ? events[events.length - 1].seq : after };
    },
    position(at, tenantId) {
      const { lo, hi } = bounds.get() ?? { lo: null, hi: null };
      const head = hi ?? 0;
      // Received times are ISO strings of one form (toISOString), so they compare as strings.
      let first: { seq: number; received_at: string } | undefined;
      if (lo !== null && hi !== null) {
        let low = lo;
        let high = hi;
        while (low <= high) {
          const mid = Math.floor((low + high) / 2);
          // The first row at or after mid (seqs may have gaps); one exists, since mid <= the newest seq.
          const row = seqAtOrAfter.get(mid)!;
          if (row.received_at >= at) {
            first = row;
            high = mid - 1;
          } else low = row.seq + 1;
        }
      }
      if (first && tenantId) first = tenantSeqAtOrAfter.get(tenantId, first.seq);
      return first
        ? { at, seq: first.seq, receivedAt: first.received_at, after: first.seq - 1, head }
        : { at, seq: null, receivedAt: null, after: head, head };
    },
    wakeAll() {
      appended.emit('append');
    },
  };
}
