/**
 * One page of a resync's range: the events read, the matching ones' records ingested, the documents their
 * runs may have changed read from the cells and ingested as status changes, then the open lake letters of
 * those events resolved.
 */
import { forEachConcurrently } from '../common/concurrency';
import { BusEventSchema, payloadProblems } from '../common/events';
import type { BusEvent } from '../common/events';
import type { DocumentStatusChange } from '../common/lake';
import { zeroCounters, type ResyncCounters } from '../common/resync';
import { readBus } from './bus';
import type { HttpClient } from './http-client';
import type { ResyncPageInput, ResyncPageResult } from './lake-resync';
import { DocumentReader } from './resync-document-reads';
import { documentChanges } from './resync-documents';
import type { RuntimeCatalogue } from '../common/rule-extensions';
import { ResyncIngest } from './resync-ingest';
import { resolveLetters } from './resync-letters';

/** Events of a page whose documents are read at the same time. */
const DOCUMENT_LANES = 8;

/** One page's work; its state lives for one attempt. */
export class ResyncPage {
  readonly counters: ResyncCounters = zeroCounters();
  /** Document reads of this page, shared by its events (a contract is read for its signing and its approval). */
  private readonly reads: DocumentReader;
  private readonly lake: ResyncIngest;

  constructor(
    private readonly gateway: HttpClient,
    datalake: HttpClient,
    private readonly input: ResyncPageInput,
    private readonly signal: AbortSignal,
    /** The worker's rule catalogue: which documents an event's run touches, its lake table, its payload schema. */
    private readonly rules: RuntimeCatalogue,
  ) {
    this.reads = new DocumentReader(gateway, this.counters, signal);
    this.lake = new ResyncIngest(datalake, this.counters, input.workflowId, signal, rules.catalogue);
  }

  async run(setStage: (stage: string) => void): Promise<ResyncPageResult> {
    const { after, toSeq, limit } = this.input;
    if (after >= toSeq) return { nextAfter: toSeq, done: true, counters: this.counters };
    const { events, nextAfter, done } = await this.read(after, toSeq, limit);

    setStage('ingest events');
    const refusedRecords = await this.lake.ingestEvents(events);

    setStage('read documents');
    // Per event: its documents' status changes, or null when one was refused (its status letter stays open).
    const changesOf = new Map<string, DocumentStatusChange[] | null>();
    await forEachConcurrently(events, DOCUMENT_LANES, async (e) => {
      changesOf.set(e.eventId, await documentChanges(this.rules.catalogue, e, this.reads));
    });

    setStage('ingest status changes');
    const refusedStatus = await this.lake.ingestStatusChanges(events, changesOf);

    setStage('resolve dead letters');
    await resolveLetters(this.gateway, this.input, this.counters, this.signal, events, (e) => {
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
      if (payloadProblems(e.data, this.rules.payloadSchemas).length) {
        this.counters.skipped++;
        continue;
      }
      events.push(e.data);
    }
    return { events, nextAfter, done };
  }
}
