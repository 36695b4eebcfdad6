/**
 * Dead letters (docs/failure-handling.md): posted by the linkage worker when a step fails for good, worked by operators.
 * Every posted field is kept; they are listed newest first with a cursor, resolved once (who, when, note)
 * and redriven any number of times (the operator CLI retries the run, then records it here); the letters of
 * a data-lake resync's events are resolved in bulk.
 * Admin routes: a service token may post letters and bulk-resolve (a resync), nothing else; each handler
 * checks the role again beside the route's declared access.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../shared/access';
import { principalOf, requireRole } from '../shared/auth';
import type { Db } from '../shared/db';
import { HttpError, notFound, parse } from '../shared/errors';
import { createIdempotencyStore, fingerprintOf, REPLAY_HEADER, requestIdOf } from '../shared/idempotency';
import { createDlqStore, type DeadLetter, type PostedLetter } from './dlq-store';

const BASE = '/api/admin/events/dlq';
// A workflow id is `linkage-<eventId>` (an event id is up to 200): 1000 leaves room for other posters.
const id = z.string().min(1).max(1000);
// null = "not known" (e.g. a malformed event without a type), stored as absent.
const optionalId = id.nullish().transform((v) => v ?? undefined);

const DeadLetterInput = z
  .object({
    reason: z.string().min(1).max(20_000),
    workflowId: optionalId,
    runId: optionalId,
    eventId: optionalId,
    eventType: optionalId,
    tenantId: optionalId,
    step: optionalId,
    businessKeys: z.array(id).max(100).nullish(),
    // Any JSON: a dead letter refused over the shape of its details would be lost (bounded by the 1 MiB body).
    details: z.unknown().optional(),
  })
  // Keys this version does not know are kept too, under `extra` (so they can never overwrite a field).
  .passthrough();
const KNOWN = new Set(Object.keys(DeadLetterInput.shape));

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'the nextCursor of a previous page')
    .transform(Number)
    .optional(),
  status: z.enum(['open', 'resolved', 'all']).default('all'),
  tenantId: id.optional(),
  eventType: id.optional(),
  eventId: id.optional(),
  workflowId: id.optional(),
});
const who = z.string().min(1).max(200);
const ResolveInput = z.object({ by: who, note: z.string().min(1).max(5000) }).strict();
const BulkResolveInput = z
  .object({
    tenantId: id,
    eventIds: z.array(id).min(1).max(1000),
    steps: z.array(id).min(1).max(20),
    by: who,
    note: z.string().min(1).max(5000),
  })
  .strict();
const RedrivenInput = z.object({ by: who, newRunId: id.optional() }).strict();
const Params = z.object({ id: z.string().min(1).max(100) });

function posted(input: z.infer<typeof DeadLetterInput>): PostedLetter {
  const letter: PostedLetter = { reason: input.reason };
  for (const k of ['workflowId', 'runId', 'eventId', 'eventType', 'tenantId', 'step'] as const) {
    if (input[k] !== undefined) letter[k] = input[k] as string;
  }
  if (input.businessKeys) letter.businessKeys = input.businessKeys;
  if (input.details !== undefined) letter.details = input.details;
  const extra = Object.entries(input).filter(([k]) => !KNOWN.has(k));
  if (extra.length) letter.extra = Object.fromEntries(extra);
  return letter;
}

/** 409 naming the resolution in force: resolving is done once, so a second operator sees who was first. */
const alreadyResolved = (l: DeadLetter): HttpError =>
  new HttpError(409, 'conflict', `dead letter ${l.id} is already resolved`, undefined, {
    currentStatus: l.status,
    resolvedBy: l.resolvedBy,
    resolvedAt: l.resolvedAt,
    resolutionNote: l.resolutionNote,
  });

export function registerDlq(app: FastifyInstance, db: Db): void {
  const store = createDlqStore(db);
  const idem = createIdempotencyStore(db);
  // A request id is the caller's own: replays are kept per principal (and per tenant for a bulk resolve),
  // so another caller's key, even the same string, never answers this caller's letter.
  interface Key {
    scope: string;
    requestId: string;
    fingerprint: string;
  }
  const keyOf = (req: FastifyRequest, scope: string): Key | undefined => {
    const requestId = requestIdOf(req);
    return requestId ? { scope, requestId, fingerprint: fingerprintOf(req) } : undefined;
  };

  const add = db.transaction((key: Key | undefined, letter: PostedLetter) => {
    const prior = key && idem.replay(key.scope, key.requestId, key.fingerprint);
    // A replay answers the letter as it is now (it may have been resolved since).
    if (prior) return { letter: store.get((prior.body as DeadLetter).id) ?? prior.body, replayed: true };
    const created = store.add(letter);
    if (key) idem.put(key.scope, key.requestId, key.fingerprint, { status: 201, body: created });
    return { letter: created, replayed: false };
  });

  const bulkResolve = db.transaction((key: Key | undefined, input: z.infer<typeof BulkResolveInput>) => {
    const { tenantId, eventIds, steps, by, note } = input;
    const prior = key && idem.replay(key.scope, key.requestId, key.fingerprint);
    if (prior) return { body: prior.body, replayed: true };
    const { resolved, alreadyResolved } = store.resolveMatching({ tenantId, eventIds, steps }, { by, note });
    const body = {
      resolved: resolved.map((l) => ({ id: l.id, eventId: l.eventId, step: l.step, workflowId: l.workflowId })),
      alreadyResolved,
    };
    if (key) idem.put(key.scope, key.requestId, key.fingerprint, { status: 200, body });
    return { body, replayed: false };
  });

  app.post(BASE, access('service'), async (req, reply) => {
    requireRole(req, 'service', 'admin');
    const letter = posted(parse(DeadLetterInput, req.body));
    const { letter: answer, replayed } = add(keyOf(req, `dlq:${principalOf(req).name}`), letter);
    if (replayed) reply.header(REPLAY_HEADER, 'true');
    return reply.code(201).send(answer);
  });
  app.get(BASE, access('admin'), async (req) => {
    requireRole(req, 'admin');
    const q = parse(ListQuery, req.query);
    return store.list({ ...q, before: q.cursor });
  });
  app.get(`${BASE}/:id`, access('admin'), async (req) => {
    requireRole(req, 'admin');
    return store.get(parse(Params, req.params).id) ?? notFoundLetter();
  });
  app.post(`${BASE}/:id/resolve`, access('admin'), async (req) => {
    requireRole(req, 'admin');
    const { id: letterId } = parse(Params, req.params);
    const { by, note } = parse(ResolveInput, req.body);
    const updated = store.update(letterId, (l) => {
      if (l.status === 'resolved') throw alreadyResolved(l);
      return { status: 'resolved', resolvedBy: by, resolvedAt: new Date().toISOString(), resolutionNote: note };
    });
    return updated ?? notFoundLetter();
  });
  /**
   * Resolves, at once, the open letters of some events of one tenant posted by some steps (a data-lake
   * resync: `datalake` and `datalake-status`). Idempotent: resolved letters and letters of other steps are
   * left as they are, so a repeat resolves nothing more; an `X-Request-ID` repeat answers the first answer.
   */
  app.post(`${BASE}/bulk-resolve`, access('service'), async (req, reply) => {
    requireRole(req, 'service', 'admin');
    const input = parse(BulkResolveInput, req.body);
    const scope = `dlq-bulk-resolve:${principalOf(req).name}:${input.tenantId}`;
    const answer = bulkResolve(keyOf(req, scope), input);
    if (answer.replayed) reply.header(REPLAY_HEADER, 'true');
    return answer.body;
  });
  app.post(`${BASE}/:id/redriven`, access('admin'), async (req) => {
    requireRole(req, 'admin');
    const { id: letterId } = parse(Params, req.params);
    const { by, newRunId } = parse(RedrivenInput, req.body);
    const updated = store.update(letterId, (l) => ({
      redriveCount: l.redriveCount + 1,
      redrivenAt: new Date().toISOString(),
      redrivenBy: by,
      redriveRunId: newRunId ?? null,
    }));
    return updated ?? notFoundLetter();
  });
}

function notFoundLetter(): never {
  throw notFound('dead letter');
}
