/**
 * The dead-letter table. A letter is kept whole as JSON in `data`; the columns are only what the list
 * filters and pages on. Paging is by rowid, which only grows (letters are never deleted), so a cursor stays
 * valid while new letters arrive. Tables of older versions (no `event_type`, `status`) are migrated in
 * place; their letters read as open.
 */
import type { Db } from '../shared/db';
import { newId } from '../shared/record-store';

export type DeadLetterStatus = 'open' | 'resolved';

/** What the poster said (docs/failure-handling.md: every field kept). */
export interface PostedLetter {
  reason: string;
  workflowId?: string;
  runId?: string;
  eventId?: string;
  eventType?: string;
  tenantId?: string;
  step?: string;
  businessKeys?: string[];
  details?: unknown;
  /** Top-level keys this version does not know, kept as posted. */
  extra?: Record<string, unknown>;
}

export interface DeadLetter extends PostedLetter {
  id: string;
  createdAt: string;
  status: DeadLetterStatus;
  resolvedBy: string | null;
  resolvedAt: string | null;
  resolutionNote: string | null;
  redriveCount: number;
  redrivenAt: string | null;
  redrivenBy: string | null;
  /** The run the last redrive started. */
  redriveRunId: string | null;
}

export interface ListFilter {
  tenantId?: string;
  eventType?: string;
  eventId?: string;
  workflowId?: string;
  status: DeadLetterStatus | 'all';
  /** Letters strictly older than this cursor (a rowid). */
  before?: number;
  limit: number;
}

/** Which letters a bulk resolve touches: those of these events, of one tenant, posted by these steps. */
export interface BulkMatch {
  tenantId: string;
  eventIds: string[];
  steps: string[];
}

export interface BulkResolution {
  /** Letters resolved now (they were open). */
  resolved: DeadLetter[];
  /** Matching letters that were resolved already (left as they are). */
  alreadyResolved: number;
}

export interface DlqStore {
  add(letter: PostedLetter): DeadLetter;
  get(id: string): DeadLetter | undefined;
  /** Newest first; `nextCursor` is null on the last page. */
  list(filter: ListFilter): { items: DeadLetter[]; nextCursor: string | null };
  /** Applies `change` to the stored letter inside one transaction; undefined when there is no such letter. */
  update(id: string, change: (letter: DeadLetter) => Partial<DeadLetter>): DeadLetter | undefined;
  /** Resolves every open letter matching, in one transaction; the others are not touched. */
  resolveMatching(match: BulkMatch, resolution: { by: string; note: string }): BulkResolution;
}

/** Fields a letter has before anything happened to it (also what old rows lack). */
const FRESH = {
  status: 'open',
  resolvedBy: null,
  resolvedAt: null,
  resolutionNote: null,
  redriveCount: 0,
  redrivenAt: null,
  redrivenBy: null,
  redriveRunId: null,
} as const;

const COLUMNS: Record<string, string> = {
  workflowId: 'workflow_id',
  eventId: 'event_id',
  tenantId: 'tenant_id',
  eventType: 'event_type',
};

interface Row {
  seq: number;
  status: string;
  data: string;
}

function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS dlq (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, workflow_id TEXT, event_id TEXT, tenant_id TEXT,
    data TEXT NOT NULL)`);
  const has = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(dlq)')
      .all()
      .map((c) => c.name),
  );
  db.transaction(() => {
    if (!has.has('event_type')) {
      db.exec('ALTER TABLE dlq ADD COLUMN event_type TEXT');
      db.exec("UPDATE dlq SET event_type = json_extract(data, '$.eventType')");
    }
    if (!has.has('status')) db.exec("ALTER TABLE dlq ADD COLUMN status TEXT NOT NULL DEFAULT 'open'");
  })();
  // Each index also holds the rowid, so a filtered page is an index range read, newest first.
  db.exec(`CREATE INDEX IF NOT EXISTS dlq_tenant ON dlq (tenant_id);
    CREATE INDEX IF NOT EXISTS dlq_workflow ON dlq (workflow_id);
    CREATE INDEX IF NOT EXISTS dlq_event ON dlq (event_id);
    CREATE INDEX IF NOT EXISTS dlq_type ON dlq (event_type);
    CREATE INDEX IF NOT EXISTS dlq_status ON dlq (status)`);
}

export function createDlqStore(db: Db): DlqStore {
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO dlq (id, created_at, workflow_id, event_id, tenant_id, event_type, status, data)
     VALUES (?, ?, ?, ?, ?, ?, 'open', ?)`,
  );
  const byId = db.prepare<[string], Row>('SELECT rowid AS seq, status, data FROM dlq WHERE id = ?');
  const save = db.prepare('UPDATE dlq SET status = ?, data = ? WHERE id = ?');
  // By the event_id index; the tenant is a column too, the step only in the letter.
  const ofEvent = db.prepare<[string, string], Row>(
    'SELECT rowid AS seq, status, data FROM dlq WHERE event_id = ? AND tenant_id = ? ORDER BY rowid',
  );
  // One statement per combination of filters, prepared on first use (at most 2^6).
  const statements = new Map<string, ReturnType<Db['prepare']>>();

  const toLetter = (r: Row): DeadLetter => ({ ...FRESH, ...JSON.parse(r.data), status: r.status as DeadLetterStatus });

  function listStatement(keys: string[]) {
    const sql = `SELECT rowid AS seq, status, data FROM dlq ${keys.length ? 'WHERE' : ''} ${keys
      .map((k) => (k === 'before' ? 'rowid < @before' : `${COLUMNS[k] ?? k} = @${k}`))
      .join(' AND ')} ORDER BY rowid DESC LIMIT @limit`;
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt as ReturnType<typeof db.prepare<[Record<string, unknown>], Row>>;
  }

  return {
    add(posted) {
      const letter: DeadLetter = { id: newId('dlq'), createdAt: new Date().toISOString(), ...posted, ...FRESH };
      const { id, createdAt, workflowId, eventId, tenantId, eventType } = letter;
      insert.run(
        id,
        createdAt,
        workflowId ?? null,
        eventId ?? null,
        tenantId ?? null,
        eventType ?? null,
        JSON.stringify(letter),
      );
      return letter;
    },
    get(id) {
      const row = byId.get(id);
      return row && toLetter(row);
    },
    list(filter) {
      const params: Record<string, unknown> = { limit: filter.limit + 1 };
      for (const k of ['tenantId', 'eventType', 'eventId', 'workflowId', 'before'] as const) {
        if (filter[k] !== undefined) params[k] = filter[k];
      }
      if (filter.status !== 'all') params.status = filter.status;
      const rows = listStatement(Object.keys(params).filter((k) => k !== 'limit')).all(params);
      const more = rows.length > filter.limit;
      const page = more ? rows.slice(0, filter.limit) : rows;
      return { items: page.map(toLetter), nextCursor: more ? String(page[page.length - 1].seq) : null };
    },
    update: db.transaction((id: string, change: (l: DeadLetter) => Partial<DeadLetter>) => {
      const row = byId.get(id);
      if (!row) return undefined;
      const current = toLetter(row);
      const next: DeadLetter = { ...current, ...change(current) };
      save.run(next.status, JSON.stringify(next), id);
      return next;
    }),
    resolveMatching: db.transaction((match: BulkMatch, resolution: { by: string; note: string }) => {
      const steps = new Set(match.steps);
      const result: BulkResolution = { resolved: [], alreadyResolved: 0 };
      const resolvedAt = new Date().toISOString();
      for (const eventId of new Set(match.eventIds)) {
        for (const row of ofEvent.all(eventId, match.tenantId)) {
          const letter = toLetter(row);
          if (letter.step === undefined || !steps.has(letter.step)) continue;
          if (letter.status === 'resolved') {
            result.alreadyResolved++;
            continue;
          }
          const next: DeadLetter = {
            ...letter,
            status: 'resolved',
            resolvedBy: resolution.by,
            resolvedAt,
            resolutionNote: resolution.note,
          };
          save.run(next.status, JSON.stringify(next), next.id);
          result.resolved.push(next);
        }
      }
      return result;
    }),
  };
}
