/** Where a resync's range of the bus starts and ends, as bus cursors. */
import type { HttpClient } from './http-client';

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

/** Where a time falls on the bus (`GET /api/events/position`, platform/gateway/event-store.ts). */
const busPosition = (gateway: HttpClient) => (at: string, tenantId?: string) =>
  gateway.call<{ seq: number | null; after: number; head: number }>({
    method: 'GET',
    path: '/api/events/position',
    query: tenantId ? { at, tenantId } : { at },
  });

/** Resolves `--from` / `--to` to bus cursors (a time by the bus's own receive time). */
export async function resolveResyncRange(gateway: HttpClient, input: ResyncRangeInput): Promise<ResyncRange> {
  const position = busPosition(gateway);
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
}
