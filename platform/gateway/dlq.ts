/** Dead letters posted by the linkage worker when a step fails for good (SPEC §4). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../shared/db';
import { validationError } from '../shared/errors';
import { createIdempotencyStore, REPLAY_HEADER, requestIdOf } from '../shared/idempotency';
import { newId } from '../shared/record-store';

const short = z.string().min(1).max(500);
const DeadLetterInput = z.object({
  reason: z.string().min(1).max(10_000),
  workflowId: short.optional(),
  eventId: short.optional(),
  eventType: short.optional(),
  tenantId: short.optional(),
  step: short.optional(),
  details: z.unknown().optional(),
});
const DeadLetterQuery = z.object({
  workflowId: short.optional(),
  eventId: short.optional(),
  tenantId: short.optional(),
});

interface Row {
  id: string;
  created_at: string;
  data: string;
}

export function registerDlq(app: FastifyInstance, db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS dlq (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, workflow_id TEXT, event_id TEXT, tenant_id TEXT,
    data TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS dlq_created ON dlq (created_at);`);
  const idem = createIdempotencyStore(db);
  const insert = db.prepare('INSERT INTO dlq VALUES (?, ?, ?, ?, ?, ?)');
  const list = db.prepare<[Record<'w' | 'e' | 't', string | null>], Row>(
    `SELECT id, created_at, data FROM dlq WHERE (@w IS NULL OR workflow_id = @w) AND (@e IS NULL OR event_id = @e)
     AND (@t IS NULL OR tenant_id = @t) ORDER BY created_at, rowid LIMIT 1000`,
  );
  const add = db.transaction((key: string | undefined, input: z.infer<typeof DeadLetterInput>) => {
    const prior = key ? idem.get('dlq', key) : undefined;
    if (prior) return { record: prior.body, replayed: true };
    const record = { id: newId('dlq'), createdAt: new Date().toISOString(), ...input };
    const { id, createdAt, workflowId, eventId, tenantId } = record;
    insert.run(id, createdAt, workflowId ?? null, eventId ?? null, tenantId ?? null, JSON.stringify(record));
    if (key) idem.put('dlq', key, { status: 201, body: record });
    return { record, replayed: false };
  });

  app.post('/api/admin/events/dlq', async (req, reply) => {
    const parsed = DeadLetterInput.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const { record, replayed } = add(requestIdOf(req), parsed.data);
    if (replayed) reply.header(REPLAY_HEADER, 'true');
    return reply.code(201).send(record);
  });
  app.get('/api/admin/events/dlq', async (req) => {
    const parsed = DeadLetterQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    const q = parsed.data;
    const rows = list.all({ w: q.workflowId ?? null, e: q.eventId ?? null, t: q.tenantId ?? null });
    return { items: rows.map((r) => JSON.parse(r.data)) };
  });
}
