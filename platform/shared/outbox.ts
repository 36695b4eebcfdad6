/**
 * Transactional outbox: a cell writes its event row in the same SQLite transaction as the record, then a
 * delivery loop POSTs rows to the bus in order. The cell's request never waits for the bus, and rows
 * survive a crash until the bus has acknowledged them (201, or 200 duplicate). A row the bus refuses for
 * good becomes a gateway dead letter naming its document, and stays in SQLite marked dead.
 */
import { randomUUID } from 'node:crypto';
import { bounded } from '../../common/bounded';
import { requestIdFor } from '../../common/canonical-json';
import type { Logger } from '../../common/logger';
import type { Db } from './db';
import { BODY_LIMIT } from './server';

/**
 * The most JSON an event's payload may take: the bus takes a body of BODY_LIMIT, and the envelope around
 * the payload (ids, type, tenant, times, source) takes well under this headroom.
 */
export const MAX_PAYLOAD_BYTES = BODY_LIMIT - 8 * 1024;

/** The document an event is about, named by the dead letter of an event the bus refuses. */
export interface DocumentRef {
  collection: string;
  id: string;
}

export interface EventEnvelope {
  eventId: string;
  eventType: string;
  tenantId: string;
  occurredAt: string;
  source: string;
  payload: Record<string, unknown>;
}

export interface Outbox {
  add(eventType: string, tenantId: string, payload: Record<string, unknown>, document: DocumentRef): EventEnvelope;
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
/** The dead letter's step: the letter is of a cell's publish, not of a linkage step. */
const PUBLISH_STEP = 'publish';
const DLQ_PATH = '/api/admin/events/dlq';
const MAX_ANSWER_CHARS = 2_000;

/** A 4xx other than 408/429 refuses the row itself: a retry would get the same answer. */
const isForGood = (status: number): boolean => status >= 400 && status < 500 && status !== 408 && status !== 429;

type Delivery = { outcome: 'ok' } | { outcome: 'refused'; status: number; answer: string };

export function createOutbox(db: Db, source: string, token: string, log: Logger): Outbox {
  db.exec(`CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0, last_error TEXT, document TEXT)`);
  // A table of a version without `document`: its rows name no document in their dead letter.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(outbox)').all();
  if (!columns.some((c) => c.name === 'document')) db.exec('ALTER TABLE outbox ADD COLUMN document TEXT');
  const insert = db.prepare('INSERT INTO outbox (event, document) VALUES (?, ?)');
  const head = db.prepare<[], { seq: number; event: string; document: string | null }>(
    'SELECT seq, event, document FROM outbox WHERE dead = 0 ORDER BY seq LIMIT 1',
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

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${busUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.any([inflight.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });

  /** Delivered, or refused for good; throws while the bus is unavailable (or answers 408/429/5xx). */
  async function deliver(event: string): Promise<Delivery> {
    const res = await post('/api/events', event);
    const answer = await res.text();
    if (res.status === 200 || res.status === 201) return { outcome: 'ok' };
    if (isForGood(res.status)) return { outcome: 'refused', status: res.status, answer };
    throw new Error(`bus answered ${res.status}`);
  }

  /**
   * Posts the dead letter of a refused row and returns its id; throws unless the gateway stored it, so the
   * row is kept and tried again. The event id and a digest of the letter in X-Request-ID make a repeat (a lost answer) one letter.
   */
  async function deadLetter(
    row: { seq: number; event: string; document: string | null },
    refusal: { status: number; answer: string },
  ): Promise<string> {
    const e = JSON.parse(row.event) as EventEnvelope;
    const document = row.document ? (JSON.parse(row.document) as DocumentRef) : undefined;
    const letter = {
      reason: bounded(
        `the bus refused ${e.eventType} of ${source} ${document ? `${document.collection}/${document.id}` : '(document unknown)'}: ${refusal.status} ${refusal.answer}`,
        MAX_ANSWER_CHARS,
      ),
      eventId: e.eventId,
      eventType: e.eventType,
      tenantId: e.tenantId,
      step: PUBLISH_STEP,
      businessKeys: document ? [`${source}:${document.collection}:${document.id}`] : [],
      // Not the payload: the event may be refused for its size; it stays whole in the cell's outbox row.
      details: {
        cell: source,
        collection: document?.collection ?? null,
        documentId: document?.id ?? null,
        outboxSeq: row.seq,
        eventBytes: Buffer.byteLength(row.event),
        busStatus: refusal.status,
        busAnswer: bounded(refusal.answer, MAX_ANSWER_CHARS),
      },
    };
    const res = await post(DLQ_PATH, JSON.stringify(letter), {
      'x-request-id': requestIdFor(`outbox:${source}:${e.eventId}`, letter),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`dead letter not stored: gateway answered ${res.status} ${text}`);
    return (JSON.parse(text) as { id: string }).id;
  }

  async function drain(): Promise<void> {
    for (;;) {
      dirty = false;
      const row = head.get();
      if (!row || stopped) return;
      try {
        const delivery = await deliver(row.event);
        if (delivery.outcome === 'refused') {
          // Retrying would block every event behind it; the letter is posted before the row is settled.
          const letterId = await deadLetter(row, delivery);
          log.error({ outboxSeq: row.seq, busStatus: delivery.status, letterId }, 'bus refused event; dead-lettered');
          bury.run(`refused by the bus (${delivery.status}); dead letter ${letterId}`, row.seq);
        } else remove.run(row.seq);
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (stopped) return;
        fail.run(String(err), row.seq);
        log.warn({ err: String(err), retryInMs: backoff }, 'event not delivered; will retry');
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
    add(eventType, tenantId, payload, document) {
      const envelope: EventEnvelope = {
        eventId: randomUUID(),
        eventType,
        tenantId,
        occurredAt: new Date().toISOString(),
        source,
        payload,
      };
      insert.run(JSON.stringify(envelope), JSON.stringify(document));
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
