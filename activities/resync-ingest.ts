/**
 * A resync page's writes into the data lake: the events' records and the status changes, batched, in chunks
 * the lake takes, a refused chunk sent again record by record.
 */
import type { BusEvent } from '../common/events';
import { isRejection } from '../common/http-errors';
import { datalakeTableOf, ruleFor, type Catalogue } from '../common/catalogue';
import { eventIngest, statusChangeEventId, statusChangeIngests, type DocumentStatusChange } from '../common/lake';
import type { LakeIngest } from '../common/lake';
import type { ResyncCounters } from '../common/resync';
import { postIngest, type IngestResult } from './datalake';
import type { HttpClient } from './http-client';

/** The largest ingest body sent at once (the lake takes 1 MiB and 10 000 records per call). */
const MAX_INGEST_CHARS = 512 * 1024;
const MAX_INGEST_RECORDS = 1000;

interface IngestCount {
  inserted: number;
  duplicates: number;
  /** eventIds of the records the lake refused for good. */
  refused: string[];
}

export class ResyncIngest {
  constructor(
    private readonly datalake: HttpClient,
    private readonly counters: ResyncCounters,
    /** The resync's workflow id: the status changes' `workflowId`. */
    private readonly workflowId: string,
    private readonly signal: AbortSignal,
    private readonly catalogue: Catalogue,
  ) {}

  /** The events' records, one batch per (tenant, cell, table); answers the eventIds the lake refused. */
  async ingestEvents(events: BusEvent[]): Promise<Set<string>> {
    const batches = new Map<string, LakeIngest>();
    for (const e of events) {
      const one = eventIngest(e, datalakeTableOf(ruleFor(this.catalogue, e.eventType)));
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
  async ingestStatusChanges(
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
      const ingests = statusChangeIngests(tenantId, changes, { by: 'resync', workflowId: this.workflowId });
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
