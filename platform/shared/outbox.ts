/**
 * Transactional outbox: a cell writes its event row in the same SQLite transaction as the record, then a
 * delivery loop POSTs rows to the bus in order. The cell's request never waits for the bus, and rows
 * survive a crash until the bus has acknowledged them (201, or 200 duplicate).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger';
import type { Db } from './db';

export interface EventEnvelope {
  eventId: string;
  eventType: string;
  tenantId: string;
  occurredAt: string;
  source: string;
  payload: Record<string, unknown>;
}

export interface Outbox {
  add(eventType: string, tenantId: string, payload: Record<string, unknown>): EventEnvelope;
  /** Starts (or resumes) delivery to `${busUrl}/api/events`. */
  start(busUrl: string): void;
  /** Asks the loop to deliver now; cheap, call after every write. */
  kick(): void;
  pending(): number;
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

export function createOutbox(db: Db, source: string, token: string, log: Logger): Outbox {
  db.exec(`CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0, last_error TEXT)`);
  const insert = db.prepare('INSERT INTO outbox (event) VALUES (?)');
  const head = db.prepare<[], { seq: number; event: string }>(
    'SELECT seq, event FROM outbox WHERE dead = 0 ORDER BY seq LIMIT 1',
  );
  const remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
  const fail = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?');
  const bury = db.prepare('UPDATE outbox SET dead = 1, last_error = ? WHERE seq = ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE dead = 0');

  let busUrl: string | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = MIN_BACKOFF_MS;
  let stopped = false;
  // Set by every kick so a write that lands while the loop is finishing is not left behind.
  let dirty = false;
  const inflight = new AbortController();

  /** 'ok' = delivered, 'retry' = bus unavailable, 'reject' = the bus will never accept this row. */
  async function deliver(event: string): Promise<'ok' | 'retry' | 'reject'> {
    const res = await fetch(`${busUrl}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: event,
      signal: AbortSignal.any([inflight.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    await res.arrayBuffer();
    if (res.status === 200 || res.status === 201) return 'ok';
    // 400/413/422: the row itself is bad; retrying forever would block every event behind it.
    if (res.status === 400 || res.status === 413 || res.status === 422) return 'reject';
    throw new Error(`bus answered ${res.status}`);
  }

  async function drain(): Promise<void> {
    for (;;) {
      dirty = false;
      const row = head.get();
      if (!row || stopped) return;
      try {
        const outcome = await deliver(row.event);
        if (outcome === 'reject') {
          log.error({ outboxSeq: row.seq }, 'bus rejected event; kept as dead outbox row');
          bury.run('rejected by bus', row.seq);
        } else remove.run(row.seq);
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (stopped) return;
        fail.run(String(err), row.seq);
        log.warn({ err: String(err), retryInMs: backoff }, 'event bus unavailable; will retry');
        timer = setTimeout(kick, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        return;
      }
    }
  }

  function kick(): void {
    dirty = true;
    if (stopped || !busUrl || running) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    running = drain().finally(() => {
      running = undefined;
      if (dirty && !timer) kick();
    });
  }

  return {
    add(eventType, tenantId, payload) {
      const envelope: EventEnvelope = {
        eventId: randomUUID(),
        eventType,
        tenantId,
        occurredAt: new Date().toISOString(),
        source,
        payload,
      };
      insert.run(JSON.stringify(envelope));
      return envelope;
    },
    start(url) {
      busUrl = url.replace(/\/+$/, '');
      kick();
    },
    kick,
    pending: () => count.get()!.n,
    async stop() {
      // Rows not yet delivered stay in SQLite and go out after the next start.
      stopped = true;
      if (timer) clearTimeout(timer);
      inflight.abort();
      await running?.catch(() => undefined);
    },
  };
}
