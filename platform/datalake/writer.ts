/**
 * The lake's only writer: one connection, one insert at a time, so no ingest can slip in between the
 * look-up of a batch's keys and its insert, and counts never mix. Ingests that arrive while an insert runs
 * wait and then go in together, as one statement (group commit): a linkage run sends one record per
 * request, and many runs at once would otherwise queue one DuckDB commit each.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { stage } from './appender';
import { INSERT_STAGED, recordKey, storedKeysSql, type StagedRecord } from './columns';
import { queryRows } from './duckdb';

/** A record and its address, before it gets its key and its place in the ingest order. */
export type AddressedRecord = Omit<StagedRecord, 'key' | 'seq'>;

export interface LakeWriter {
  /** Stores the records not stored yet (the first of a repeated address wins); answers how many. */
  insert(records: readonly AddressedRecord[]): Promise<number>;
  /** Waits for the writes in progress; nothing is written afterwards. */
  close(): Promise<void>;
}

/** Keys looked up per statement: the IN list stays a quick index probe. */
const LOOKUP_CHUNK = 1000;
/** Records per group commit at most (a request is never split). */
const GROUP_RECORDS = 20_000;

interface Waiting {
  records: readonly AddressedRecord[];
  resolve(inserted: number): void;
  reject(err: unknown): void;
}

export async function openWriter(conn: DuckDBConnection): Promise<LakeWriter> {
  const [{ next }] = await queryRows<{ next: number }>(
    conn,
    'SELECT coalesce(max(seq), 0) + 1 AS next FROM lake_records',
  );
  let nextSeq = next;
  const insertStaged = await conn.prepare(INSERT_STAGED);

  /** Inserts the new records of several requests in one statement; answers each request's count. */
  const insertGroup = async (requests: ReadonlyArray<readonly AddressedRecord[]>): Promise<number[]> => {
    const owner = new Map<string, { record: AddressedRecord; request: number }>();
    requests.forEach((records, request) => {
      for (const record of records) {
        const key = recordKey(record.tenantId, record.cellId, record.tbl, record.eventId);
        if (!owner.has(key)) owner.set(key, { record, request });
      }
    });
    const keys = [...owner.keys()];
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      const stored = await queryRows<{ key: string }>(conn, storedKeysSql(keys.slice(i, i + LOOKUP_CHUNK)));
      for (const { key } of stored) owner.delete(key);
    }
    const counts = requests.map(() => 0);
    if (!owner.size) return counts;
    const staged: StagedRecord[] = [];
    for (const [key, { record, request }] of owner) {
      staged.push({ ...record, key, seq: nextSeq++ });
      counts[request]++;
    }
    await stage(conn, staged);
    await insertStaged.run();
    return counts;
  };

  const queue: Waiting[] = [];
  let draining: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    await undefined; // `draining` is set before the loop can end
    try {
      while (queue.length) {
        let size = 0;
        const take = queue.findIndex((w) => (size += w.records.length) > GROUP_RECORDS);
        const group = queue.splice(0, take > 0 ? take : take === 0 ? 1 : queue.length);
        try {
          const counts = await insertGroup(group.map((w) => w.records));
          group.forEach((w, i) => w.resolve(counts[i]));
        } catch (err) {
          // One bad request must not fail the others: the statement inserted nothing, so each one alone.
          if (group.length === 1) group[0].reject(err);
          else for (const w of group) await insertGroup([w.records]).then(([n]) => w.resolve(n), w.reject);
        }
      }
    } finally {
      draining = undefined; // in the same turn as the last look at the queue: a later insert starts anew
    }
  };
  let closed = false;

  return {
    insert(records) {
      if (closed) return Promise.reject(new Error('the data lake is closed'));
      return new Promise<number>((resolve, reject) => {
        queue.push({ records, resolve, reject });
        draining ??= drain();
      });
    },
    async close() {
      closed = true;
      await draining;
      insertStaged.destroySync();
    },
  };
}
