/**
 * The activities of the data-lake resync (workflows/lake-resync.ts): where a range of the bus starts and ends,
 * and one page of it re-ingested. Every write is idempotent (lake records are keyed by eventId, status changes
 * by document and status, dead letters are resolved only while open), so a page retried, re-run after a
 * worker crash or run again by a later resync changes nothing more.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { bounded } from '../common/bounded';
import { BusEventSchema, EVENT_TYPES, payloadProblems } from '../common/events';
import type { BusEvent } from '../common/events';
import { isRejection } from '../common/http-errors';
import { eventIngest, statusChangeEventId, statusChangeIngests, type DocumentStatusChange } from '../common/lake';
import type { LakeIngest } from '../common/lake';
import { postIngest, type IngestResult } from './datalake';
import { writeBackKindOf } from '../common/linkage';
import { forEachConcurrently } from '../common/concurrency';
import { readBus } from './bus';
import type { RulePausedDetails } from '../common/rules';
import type { RuleGuard } from './rule-guard';
import { DOCUMENTS, statusChangeOf, type CreatedRecord, type DocumentKind } from './cells';
import { zeroCounters, type ResyncCounters } from '../common/resync';
import { requestIdFor } from '../common/canonical-json';
import type { HttpClient } from './http-client';

/** The dead-letter steps of the lake ingests a linkage run gave up on (workflows/linkage-run.ts). */
export const LAKE_LETTER_STEPS = ['datalake', 'datalake-status'] as const;

/**
 * The statuses a linkage run writes, per document kind (write-back 2 / 3, compensation 9, approval withdrawn 9):
 * the only ones the resync records, so the lake's lifecycle tables hold the same records whether the linkage
 * or the resync wrote them. An approval's own decision (2 / 3) is its `oa.approval.completed` event, already
 * in `oa/approvals`.
 */
const LINKAGE_STATUSES: Record<string, readonly number[]> = {
  'erp:order': [2, 3, 9],
  'erp:purchase_order': [2, 3, 9],
  'crm:contract': [2, 3],
  'srm:rfq': [9],
  'oa:approval': [9],
};

/** The largest ingest body sent at once (the lake takes 1 MiB and 10 000 records per call). */
const MAX_INGEST_CHARS = 512 * 1024;
const MAX_INGEST_RECORDS = 1000;
/** Events of a page whose documents are read at the same time. */
const DOCUMENT_LANES = 8;

export interface ResyncRangeInput {
  /** A bus seq (the first one re-ingested) or an ISO time (the first event the bus received at or after it). */
  from: string;
  /** A bus seq or an ISO time, inclusive; absent: the newest seq when the resync starts. */
  to?: string;
  tenantId?: string;
}

/** The range as bus cursors: seqs `after + 1 … toSeq` are re-ingested. */
export interface ResyncRange {
  after: number;
  toSeq: number;
  /** The first seq of the range found on the bus (null: none yet). */
  firstSeq: number | null;
  /** The newest seq when the range was resolved. */
  head: number;
}

export interface ResyncPageInput {
  /** Read the events after this seq … */
  after: number;
  /** … up to this one (inclusive), at most `limit` of them. */
  toSeq: number;
  limit: number;
  tenantId?: string;
  eventType?: string;
  /** The resync's workflow id and run id: the status changes' `workflowId`, the letters' resolver, request ids. */
  workflowId: string;
  runId: string;
}

export interface ResyncPageResult {
  /** The cursor after this page: the last seq read, or `toSeq` once the range is done. */
  nextAfter: number;
  done: boolean;
  counters: ResyncCounters;
  /** Set when the all-to-datalake rule is paused: nothing was read or written, the page is to be done later. */
  paused?: RulePausedDetails;
}

interface IngestCount {
  inserted: number;
  duplicates: number;
  /** eventIds of the records the lake refused for good. */
  refused: string[];
}

/** The rule whose pause holds a resync. */
const LAKE_RULE = 'all-to-datalake' as const;

export function createLakeResyncActivities(
  gateway: HttpClient,
  datalake: HttpClient | null,
  lakeEnabled: boolean,
  guard: RuleGuard,
) {
  /** Where a time falls on the bus (`GET /api/events/position`, platform/gateway/event-store.ts). */
  const position = (at: string, tenantId?: string) =>
    gateway.call<{ seq: number | null; after: number; head: number }>({
      method: 'GET',
      path: '/api/events/position',
      query: tenantId ? { at, tenantId } : { at },
    });

  return {
    /** Resolves `--from` / `--to` to bus cursors (a time by the bus's own receive time). */
    async resyncRange(input: ResyncRangeInput): Promise<ResyncRange> {
      const isSeq = (v: string) => /^\d+$/.test(v);
      const now = await position(new Date().toISOString());
      const head = now.head;
      let after: number;
      let firstSeq: number | null;
      if (isSeq(input.from)) {
        after = Math.max(0, Number(input.from) - 1);
        firstSeq = Number(input.from) <= head ? Math.max(1, Number(input.from)) : null;
      } else {
        const p = await position(input.from, input.tenantId);
        after = p.after;
        firstSeq = p.seq;
      }
      let toSeq = head;
      // A seq past the head ends at the head: what is published later is the live linkage's.
      if (input.to !== undefined && isSeq(input.to)) toSeq = Math.min(Number(input.to), head);
      else if (input.to !== undefined) {
        // Inclusive: the last event received at or before `to` is the one before the first after it.
        const next = await position(new Date(Date.parse(input.to) + 1).toISOString());
        toSeq = next.seq === null ? next.head : next.seq - 1;
      }
      return { after, toSeq, firstSeq, head };
    },

    /**
     * One page of the range: the events read, the matching ones' records ingested (batched per tenant, cell
     * and table), the documents their runs may have changed read from the cells and ingested as status
     * changes, then the open lake letters of those events resolved. Heartbeats; safe to run again.
     */
    async resyncPage(input: ResyncPageInput): Promise<ResyncPageResult> {
      if (!datalake || !lakeEnabled) {
        throw ApplicationFailure.nonRetryable(
          'this worker does not ingest into the data lake (DATALAKE_URL empty or LINK_ALL_TO_DATALAKE=0): nothing to resync with',
          'ResyncNotConfigured',
        );
      }
      // A paused all-to-datalake rule holds the resync too (the lake may be in maintenance): the page is left
      // for later, and the workflow waits.
      const rules = await guard.view();
      const paused = rules.rules.find((r) => r.rule === LAKE_RULE)?.paused;
      if (paused) {
        return {
          nextAfter: input.after,
          done: false,
          counters: zeroCounters(),
          paused: { rule: LAKE_RULE, version: rules.version, ...paused },
        };
      }
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      let stage = 'read';
      const heartbeat = setInterval(() => ctx.heartbeat({ after: input.after, stage }), 1000);
      try {
        ctx.heartbeat({ after: input.after, stage });
        const page = new ResyncPage(gateway, datalake, input, signal);
        const result = await page.run((s) => (stage = s));
        ctx.log.info('lake resync page done', { after: input.after, nextAfter: result.nextAfter, ...result.counters });
        return result;
      } catch (err) {
        // A cancel aborts the page's calls; it ends as cancelled, not as a failure to retry.
        if (signal.aborted) throw new CancelledFailure('lake resync page cancelled');
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

/** One page's work; its state lives for one attempt. */
class ResyncPage {
  readonly counters: ResyncCounters = zeroCounters();
  /** Document reads of this page, shared by its events (a contract is read for its signing and its approval). */
  private readonly reads = new Map<string, Promise<CreatedRecord[]>>();
  private readonly seenDocuments = new Set<string>();

  constructor(
    private readonly gateway: HttpClient,
    private readonly datalake: HttpClient,
    private readonly input: ResyncPageInput,
    private readonly signal: AbortSignal,
  ) {}

  async run(setStage: (stage: string) => void): Promise<ResyncPageResult> {
    const { after, toSeq, limit } = this.input;
    if (after >= toSeq) return { nextAfter: toSeq, done: true, counters: this.counters };
    const { events, nextAfter, done } = await this.read(after, toSeq, limit);

    setStage('ingest events');
    const refusedRecords = await this.ingestEvents(events);

    setStage('read documents');
    // Per event: its documents' status changes, or null when one was refused (its status letter stays open).
    const changesOf = new Map<string, DocumentStatusChange[] | null>();
    await forEachConcurrently(events, DOCUMENT_LANES, async (e) => {
      changesOf.set(e.eventId, await this.documentChanges(e));
    });

    setStage('ingest status changes');
    const refusedStatus = await this.ingestStatusChanges(events, changesOf);

    setStage('resolve dead letters');
    await this.resolveLetters(events, (e) => {
      const steps: string[] = [];
      if (!refusedRecords.has(e.eventId)) steps.push('datalake');
      if (changesOf.get(e.eventId) && !refusedStatus.has(e.eventId)) steps.push('datalake-status');
      return steps;
    });
    return { nextAfter, done, counters: this.counters };
  }

  /** The page's events in the range, of the tenant and type asked for, valid as a linkage would take them. */
  private async read(after: number, toSeq: number, limit: number) {
    const { tenantId, eventType } = this.input;
    const page = await readBus(
      this.gateway,
      { after, limit, waitMs: 0, ...(tenantId ? { tenantId } : {}) },
      { signal: this.signal },
    );
    const items = page.events;
    const seqOf = (item: unknown): number | null => {
      const seq = (item as { seq?: unknown } | null)?.seq;
      return typeof seq === 'number' ? seq : null;
    };
    const inRange = items.filter((item) => (seqOf(item) ?? 0) <= toSeq);
    // Done: past the range's end, or the bus has nothing more (toSeq was its head when the range was set).
    const done = inRange.length < items.length || items.length < limit || page.nextAfter >= toSeq;
    const nextAfter = done ? toSeq : page.nextAfter;
    const events: BusEvent[] = [];
    for (const item of inRange) {
      this.counters.read++;
      const e = BusEventSchema.safeParse(item);
      if (!e.success) {
        // A malformed event never had a run (the poller dead-letters it); one of another tenant cannot be told.
        if (!tenantId && !eventType) this.counters.skipped++;
        continue;
      }
      if ((tenantId && e.data.tenantId !== tenantId) || (eventType && e.data.eventType !== eventType)) continue;
      this.counters.matched++;
      // A run with an invalid payload stops before its ingest: the lake never has such an event.
      if (payloadProblems(e.data).length) {
        this.counters.skipped++;
        continue;
      }
      events.push(e.data);
    }
    return { events, nextAfter, done };
  }

  /** The events' records, one batch per (tenant, cell, table); answers the eventIds the lake refused. */
  private async ingestEvents(events: BusEvent[]): Promise<Set<string>> {
    const batches = new Map<string, LakeIngest>();
    for (const e of events) {
      const one = eventIngest(e);
      const key = JSON.stringify([one.tenantId, one.cellId, one.table]);
      const batch = batches.get(key);
      if (batch) batch.records.push(...one.records);
      else batches.set(key, one);
    }
    const refused = new Set<string>();
    for (const batch of batches.values()) {
      const r = await this.ingest(batch);
      this.counters.ingested += r.inserted;
      this.counters.alreadyThere += r.duplicates;
      for (const id of r.refused) refused.add(id);
    }
    this.counters.refused += refused.size;
    return refused;
  }

  /** The status changes, one call per (tenant, cell); answers the events whose changes the lake refused. */
  private async ingestStatusChanges(
    events: BusEvent[],
    changesOf: Map<string, DocumentStatusChange[] | null>,
  ): Promise<Set<string>> {
    const byTenant = new Map<string, DocumentStatusChange[]>();
    /** Which events a status-change record came from (a document is often read for several). */
    const sources = new Map<string, string[]>();
    for (const e of events) {
      const changes = changesOf.get(e.eventId) ?? [];
      if (!byTenant.has(e.tenantId)) byTenant.set(e.tenantId, []);
      byTenant.get(e.tenantId)!.push(...changes);
      for (const c of changes) {
        const id = statusChangeEventId(c);
        sources.set(id, [...(sources.get(id) ?? []), e.eventId]);
      }
    }
    const refused = new Set<string>();
    for (const [tenantId, changes] of byTenant) {
      const ingests = statusChangeIngests(tenantId, changes, { by: 'resync', workflowId: this.input.workflowId });
      for (const ingest of ingests) {
        const r = await this.ingest(ingest);
        this.counters.statusIngested += r.inserted;
        this.counters.statusAlreadyThere += r.duplicates;
        this.counters.refused += r.refused.length;
        for (const id of r.refused) for (const eventId of sources.get(id) ?? []) refused.add(eventId);
      }
    }
    return refused;
  }

  /**
   * One ingest, in chunks the lake takes. A chunk refused for good (a 4xx: a record the lake will never take)
   * is sent again record by record, so one bad record holds back no other.
   */
  private async ingest(req: LakeIngest): Promise<IngestCount> {
    const total: IngestCount = { inserted: 0, duplicates: 0, refused: [] };
    for (const records of chunks(req.records)) {
      try {
        const r = await this.post({ ...req, records });
        total.inserted += r.inserted;
        total.duplicates += r.duplicates;
      } catch (err) {
        if (!isRejection(err)) throw err;
        for (const record of records) {
          try {
            const r = await this.post({ ...req, records: [record] });
            total.inserted += r.inserted;
            total.duplicates += r.duplicates;
          } catch (e) {
            if (!isRejection(e)) throw e;
            total.refused.push(record.eventId);
          }
        }
      }
    }
    return total;
  }

  private post(req: LakeIngest): Promise<IngestResult> {
    return postIngest(this.datalake, req, this.signal);
  }

  /**
   * The current status of the documents the event's run may have changed, as the status changes a linkage
   * records (LINKAGE_STATUSES); null when a read was refused for good (the event's status letter stays open).
   */
  private async documentChanges(e: BusEvent): Promise<DocumentStatusChange[] | null> {
    const p = e.payload;
    const tenant = e.tenantId;
    const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
    const docs: Array<[DocumentKind | 'oa:approval', CreatedRecord]> = [];
    /** The approvals asked for a document (formData source): withdrawn (9) when it was cancelled. */
    const approvalsOf = async (source: { sourceCell: string; sourceType: string }, sourceId: string | null) => {
      if (!sourceId) return;
      const { sourceCell, sourceType } = source;
      const items = await this.list(tenant, '/api/v1/oa/approvals', { sourceCell, sourceType, sourceId });
      for (const a of items) docs.push(['oa:approval', a]);
    };
    const one = async (kind: DocumentKind | 'oa:approval', id: string | null) => {
      if (!id) return;
      const list = kind === 'oa:approval' ? '/api/v1/oa/approvals' : DOCUMENTS[kind].list;
      for (const d of await this.get(tenant, `${list}/${encodeURIComponent(id)}`)) docs.push([kind, d]);
    };
    const many = async (kind: DocumentKind, query: Record<string, string | null>) => {
      if (Object.values(query).some((v) => !v)) return;
      const items = await this.list(tenant, DOCUMENTS[kind].list, query as Record<string, string>);
      for (const d of items) docs.push([kind, d]);
    };
    try {
      switch (e.eventType) {
        case EVENT_TYPES.contractSigned: {
          const contractId = str(p.contractId);
          await one('crm:contract', contractId);
          await many('erp:order', { sourceContractId: contractId });
          await approvalsOf({ sourceCell: 'crm', sourceType: 'contract' }, contractId);
          break;
        }
        case EVENT_TYPES.orderCreated:
          await one('erp:order', str(p.orderId));
          await approvalsOf(DOCUMENTS['erp:order'].approvals, str(p.orderId));
          break;
        case EVENT_TYPES.purchaseOrderCreated:
          await one('erp:purchase_order', str(p.poId));
          await approvalsOf(DOCUMENTS['erp:purchase_order'].approvals, str(p.poId));
          break;
        case EVENT_TYPES.requisitionCreated:
          await many('srm:rfq', { requisitionId: str(p.requisitionId) });
          break;
        case EVENT_TYPES.quoteAwarded:
          await many('erp:purchase_order', { quoteId: str(p.quoteId) });
          break;
        case EVENT_TYPES.approvalCompleted: {
          await one('oa:approval', str(p.instanceId));
          const fd = (p.formData ?? {}) as Record<string, unknown>;
          const [cell, type] = [str(fd.sourceCell), str(fd.sourceType)];
          const kind = cell && type ? writeBackKindOf(cell, type) : null;
          if (kind) await one(kind, str(fd.sourceId));
          break;
        }
        default:
          break;
      }
    } catch (err) {
      if (!isRejection(err)) throw err;
      this.counters.refused++;
      return null;
    }
    const changes: DocumentStatusChange[] = [];
    for (const [kind, record] of docs) {
      const docKey = `${tenant}\n${kind}:${record.id}`;
      if (!this.seenDocuments.has(docKey)) {
        this.seenDocuments.add(docKey);
        this.counters.documentsChecked++;
      }
      const change = statusChangeOf(kind, record);
      if ((LINKAGE_STATUSES[kind] ?? []).includes(change.status)) changes.push(change);
    }
    return changes;
  }

  /** One document, or none when the cell answers 404 (counted as missing). */
  private get(tenantId: string, path: string): Promise<CreatedRecord[]> {
    return this.cached(tenantId, path, async () => {
      try {
        return [await this.cellCall<CreatedRecord>(tenantId, path)];
      } catch (err) {
        if (!isRejection(err, 404)) throw err;
        this.counters.documentsMissing++;
        return [];
      }
    });
  }

  private list(tenantId: string, path: string, query: Record<string, string>): Promise<CreatedRecord[]> {
    return this.cached(tenantId, `${path}?${new URLSearchParams(query).toString()}`, () =>
      this.gateway.listAll<CreatedRecord>({ path, query, tenantId, signal: this.signal }),
    );
  }

  private cellCall<T>(tenantId: string, path: string, query?: Record<string, string>): Promise<T> {
    return this.gateway.call<T>({ method: 'GET', path, query, tenantId, signal: this.signal });
  }

  private cached(tenantId: string, key: string, read: () => Promise<CreatedRecord[]>): Promise<CreatedRecord[]> {
    const full = `${tenantId}\n${key}`;
    let p = this.reads.get(full);
    if (!p) {
      p = read();
      // A failed read is not kept (the page's next attempt reads again); its error reaches the caller.
      p.catch(() => this.reads.delete(full));
      this.reads.set(full, p);
    }
    return p;
  }

  /** Resolves, per tenant, the open lake letters of the page's events, for the steps each event is done with. */
  private async resolveLetters(events: BusEvent[], stepsOf: (e: BusEvent) => string[]): Promise<void> {
    const { workflowId, runId, after } = this.input;
    // tenant → steps → eventIds
    const groups = new Map<string, Map<string, string[]>>();
    for (const e of events) {
      const steps = stepsOf(e);
      if (!steps.length) continue;
      const key = steps.join(',');
      if (!groups.has(e.tenantId)) groups.set(e.tenantId, new Map());
      const bySteps = groups.get(e.tenantId)!;
      bySteps.set(key, [...(bySteps.get(key) ?? []), e.eventId]);
    }
    for (const [tenantId, bySteps] of groups) {
      for (const [key, eventIds] of bySteps) {
        for (let i = 0; i < eventIds.length; i += 1000) {
          const body = {
            tenantId,
            eventIds: eventIds.slice(i, i + 1000),
            steps: key.split(','),
            // The DLQ takes a resolver of up to 200 characters and a note of up to 5000.
            by: bounded(`resync ${workflowId}`, 200),
            note: bounded(
              `re-ingested into the data lake by the resync ${workflowId} (run ${runId}, bus page after seq ${after})`,
              5000,
            ),
          };
          const res = await this.gateway.call<{ resolved: unknown[]; alreadyResolved: number }>({
            method: 'POST',
            path: '/api/admin/events/dlq/bulk-resolve',
            tenantId,
            // A retried attempt answers the first attempt's result (and resolves nothing twice); one that
            // re-read a page grown since is another request, not a reused id.
            requestId: requestIdFor(`${workflowId}:${runId}:resync:${after}:${tenantId}:${key}:${i}`, body),
            body,
            signal: this.signal,
          });
          this.counters.lettersResolved += res.resolved.length;
        }
      }
    }
  }
}

/** Records in chunks the lake takes in one call. */
function chunks<T>(records: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const r of records) {
    const n = JSON.stringify(r).length;
    if (current.length && (size + n > MAX_INGEST_CHARS || current.length >= MAX_INGEST_RECORDS)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += n;
  }
  if (current.length) out.push(current);
  return out;
}
