/**
 * The hostile-tenant scenario: while tenant A's normal load runs, tenant B, holding only its own tenant
 * token, tries what an attacker with a valid account would — admin routes under disguised spellings (sent
 * raw, so nothing normalizes them), event ids that take the product's own workflow ids, X-Request-ID reuse,
 * approvals that could never complete, oversized pages and hand-made cursors. Everything goes through the
 * real gateway, cells and lake; every attempt must be refused with its expected status, no answer B gets
 * may carry anything of A, and every hostile event B got onto the bus must end as one run or one dead letter.
 */
import { EVENT_TYPES, PayloadSchemas, type BusEvent } from '../../common/events';
import { builtinRule, businessKeysOf } from '../../common/catalogue';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { linksEvent } from '../../starter/start-linkage';
import { rawRequest } from './raw-http';
import type { NamedCheck, Plan, RunContext } from './scenarios';
import type { Stack } from './stack';
import { tenantTokens, tokenMapEnv, type TenantTokens } from './tenant-tokens';
import { approvalCount, createTargets, mixedEvents, poisonEvents, shuffle, type PublishEvent } from './workload';

const rand = () => Math.random().toString(36).slice(2, 8);
const b64 = (v: string) => Buffer.from(v).toString('base64url');

interface State {
  a: string;
  b: string;
  tokens: TenantTokens;
  /** Hostile events of B the bus accepted, and the highest seq among them. */
  accepted: string[];
  hostileSeq: number;
  /** Every 2xx answer B got, as text, for the leak check. */
  answersToB: string[];
  /** A dead letter of A that B tried to resolve. */
  letterOfA?: string;
}
const stateOf = (ctx: RunContext) => ctx.state as unknown as State;

/** Ids that take or mimic the workflow ids the product owns (as test/linkage/hostile-ids.test.ts draws). */
function ownedLikeIds(taskQueue: string): string[] {
  const owned = [
    `rule-control-${taskQueue}`,
    `event-poller-${taskQueue}`,
    `paas-linkage:poller:${taskQueue}`,
    `paas-linkage:rule-control:${taskQueue}`,
    `linkage-rule-control-${taskQueue}`,
    `linkage-event-poller-${taskQueue}`,
    // Each names this run's task queue: runs of other scenarios share the namespace, and an id one of them
    // already linked is rightly a collision there, not this scenario's event.
    `paas-linkage:resync:${taskQueue}`,
    `lake-resync-0-head-all-all-${taskQueue}`,
    `event-poller${taskQueue}`,
    `linkage-${taskQueue}`,
  ];
  return [...owned, ...owned.slice(0, 6).flatMap((id) => [`${id}-x`, `${id}:evil`]), `linkage-linkage-${taskQueue}`];
}

/** B's hostile events: a valid contract signed (so the run makes documents) or a generic event. */
function hostileEvent(b: string, eventId: string, i: number): PublishEvent {
  if (i % 2 === 0) {
    return {
      eventId,
      eventType: EVENT_TYPES.contractSigned,
      tenantId: b,
      payload: {
        contractId: `ctr-hostile-${i}-${rand()}`,
        customerId: 'cus-hostile',
        contractNo: `HX-${i}`,
        amountCents: 100 + i,
        currency: 'CNY',
        tenantId: b,
        opportunityId: null,
        signedAt: new Date().toISOString(),
      },
    };
  }
  return { eventId, eventType: 'crm.customer.updated', tenantId: b, payload: { tenantId: b, note: `hostile ${i}` } };
}

async function publishHostileIds(s: Stack, ctx: RunContext): Promise<void> {
  const st = stateOf(ctx);
  const refused: string[] = [];
  for (const [i, eventId] of ownedLikeIds(s.taskQueue).entries()) {
    const res = await s.api.call<{ seq?: number; duplicate?: boolean }>('POST', '/api/events', {
      token: st.tokens.tenantB,
      body: hostileEvent(st.b, eventId, i),
    });
    if (res.status === 201 && !res.body.duplicate) {
      st.accepted.push(eventId);
      st.hostileSeq = Math.max(st.hostileSeq, Number(res.body.seq));
      st.answersToB.push(JSON.stringify(res.body));
    } else if (res.status < 400 || res.status >= 500) refused.push(`${eventId}: ${res.status}`);
  }
  ctx.checks.push({
    name: "B's owned-like event ids: each accepted as B's event (201) or refused (4xx)",
    ok: refused.length === 0 && st.accepted.length > 0,
    detail: `${st.accepted.length} accepted${refused.length ? `; ${refused.join(', ')}` : ''}`,
  });
  ctx.note(`B published ${st.accepted.length} owned-like event ids (up to seq ${st.hostileSeq})`);
}

type Answer = { status: number; body: unknown };
type Probe = [name: string, expected: number, call: () => Promise<Answer>];

async function hostileRequests(s: Stack, ctx: RunContext): Promise<void> {
  const st = stateOf(ctx);
  const { a, b, tokens } = st;
  const asB = { token: tokens.tenantB, tenant: b };
  const bearer = { authorization: `Bearer ${tokens.tenantB}`, 'x-tenant-id': b };
  const json = { ...bearer, 'content-type': 'application/json' };
  const gw = s.platform.gatewayUrl;
  const lake = s.platform.datalakeUrl;
  const raw = (method: string, target: string, body?: unknown) => () =>
    rawRequest(
      gw,
      method,
      target,
      body === undefined ? bearer : json,
      body === undefined ? undefined : JSON.stringify(body),
    );

  // A letter of A (its poison events) for B to aim at.
  const letter = await waitFor(
    "a dead letter of A's",
    async () => (await s.api.deadLetters(`?tenantId=${encodeURIComponent(a)}&limit=1`))[0],
    120_000,
    500,
  );
  st.letterOfA = letter.id;
  const resolve = { by: 'tenant-b', note: 'resolved by B' };
  // An order A makes with a key; B then sends the same request under the same key.
  const keyOfA = `order-${rand()}`;
  const sameBody = { customerId: 'cus-shared', totalAmountCents: 77 };
  const ofA = await s.api.ok<Rec>('POST', '/api/v1/erp/orders', {
    token: tokens.tenantA,
    tenant: a,
    requestId: keyOfA,
    body: sameBody,
  });
  const pageOfA = await s.api.ok<{ nextCursor: string | null }>('GET', '/api/v1/erp/orders?limit=1', {
    token: tokens.tenantA,
    tenant: a,
  });
  const keyOfB = `order-${rand()}`;
  let orderOfB = '';

  const probes: Probe[] = [
    // Admin routes in disguise: refused as non-normalized targets before auth sees them.
    ['GET /api/%61dmin/events/dlq → 400', 400, raw('GET', '/api/%61dmin/events/dlq')],
    ['GET http://host/api/admin/events/dlq (absolute form) → 400', 400, raw('GET', `${gw}/api/admin/events/dlq`)],
    ['GET //api/admin/events/dlq → 400', 400, raw('GET', '//api/admin/events/dlq')],
    ['GET /api/./admin/events/dlq → 400', 400, raw('GET', '/api/./admin/events/dlq')],
    ['GET /api/admin/%2e%2e/admin/events/dlq → 400', 400, raw('GET', '/api/admin/%2e%2e/admin/events/dlq')],
    [
      "POST /api/%61dmin/events/dlq/<A's letter>/resolve → 400",
      400,
      raw('POST', `/api/%61dmin/events/dlq/${encodeURIComponent(letter.id)}/resolve`, resolve),
    ],
    ['GET /api/v1/erp/api/%61dmin/faults (through the proxy) → 400', 400, raw('GET', '/api/v1/erp/api/%61dmin/faults')],
    [
      'POST /api/v1/erp/api/%61dmin/faults (through the proxy) → 400',
      400,
      raw('POST', '/api/v1/erp/api/%61dmin/faults', { path: '/api/v1/erp', times: -1, status: 503 }),
    ],
    // The same routes spelled plainly: the role decides.
    ['GET /api/admin/events/dlq → 403', 403, raw('GET', '/api/admin/events/dlq')],
    [
      "POST /api/admin/events/dlq/<A's letter>/resolve → 403",
      403,
      raw('POST', `/api/admin/events/dlq/${encodeURIComponent(letter.id)}/resolve`, resolve),
    ],
    ['GET /api/v1/erp/api/admin/faults (through the proxy) → 403', 403, raw('GET', '/api/v1/erp/api/admin/faults')],
    // X-Request-ID reuse.
    [
      'POST an order with a key → 201',
      201,
      async () => {
        const res = await s.api.call<Rec>('POST', '/api/v1/erp/orders', {
          ...asB,
          requestId: keyOfB,
          body: { customerId: 'cus-b', totalAmountCents: 5 },
        });
        orderOfB = String(res.body?.id ?? '');
        return res;
      },
    ],
    [
      'PATCH the order with the same key → 422',
      422,
      () =>
        s.api.call('PATCH', `/api/v1/erp/orders/${orderOfB}`, { ...asB, requestId: keyOfB, body: { orderStatus: 2 } }),
    ],
    [
      "POST A's request under A's key → 201, B's own order",
      201,
      async () => {
        const res = await s.api.call<Rec>('POST', '/api/v1/erp/orders', { ...asB, requestId: keyOfA, body: sameBody });
        const own = res.body?.id !== ofA.id && res.body?.tenantId === b;
        if (!own && res.status < 300) st.answersToB.push(JSON.stringify(res.body));
        return own ? res : { status: -2, body: `answered ${res.status} with ${JSON.stringify(res.body)}` };
      },
    ],
    [
      "POST a dead letter under the poller's key for A's letter → 403",
      403,
      () =>
        s.api.call('POST', '/api/admin/events/dlq', {
          ...asB,
          requestId: `poller:seq-${String(letter.details && (letter.details as Rec).seq)}:${String(letter.eventId)}`,
          body: { reason: 'x', eventId: letter.eventId, tenantId: b, step: 'start' },
        }),
    ],
    [
      "GET A's letter by id → 403",
      403,
      () => s.api.call('GET', `/api/admin/events/dlq/${encodeURIComponent(letter.id)}`, asB),
    ],
    [
      "bulk-resolve A's letters → 403",
      403,
      () =>
        s.api.call('POST', '/api/admin/events/dlq/bulk-resolve', {
          ...asB,
          requestId: keyOfA,
          body: { tenantId: a, eventIds: [letter.eventId], steps: [letter.step], ...resolve },
        }),
    ],
    // Approvals the cell could never publish or complete.
    [
      'an approval with formData.sourceCell 5 and sourceId "" → 400',
      400,
      () =>
        s.api.call('POST', '/api/v1/oa/approvals', {
          ...asB,
          body: { typeCode: 'contract', formData: { sourceCell: 5, sourceId: '', sourceType: 'contract' } },
        }),
    ],
    [
      'an approval whose completion event would pass the bus limit → 400',
      400,
      () =>
        s.api.call('POST', '/api/v1/oa/approvals', {
          ...asB,
          body: { typeCode: 'purchase', formData: { note: 'x'.repeat(1_044_000) } },
        }),
    ],
    // Pages bigger than the bound, cursors made by hand.
    ['orders with limit=1000000 → 400', 400, () => s.api.call('GET', '/api/v1/erp/orders?limit=1000000', asB)],
    ['approvals with limit=1001 → 400', 400, () => s.api.call('GET', '/api/v1/oa/approvals?limit=1001', asB)],
    ['contracts with limit=0 → 400', 400, () => s.api.call('GET', '/api/v1/crm/contracts?limit=0', asB)],
    [
      'the bus with limit=100000 → 400',
      400,
      () => s.api.call('GET', `/api/events?after=0&limit=100000&tenantId=${b}`, asB),
    ],
    [
      'a lake table with limit=99999 → 400',
      400,
      () => s.api.call('GET', `${lake}/api/datalake/tables/crm/contracts?tenantId=${b}&limit=99999`, asB),
    ],
    [
      'a cursor of another key shape → 400',
      400,
      () => s.api.call('GET', `/api/v1/erp/orders?cursor=${b64('{"rowid":1}')}`, asB),
    ],
    ['a cursor at row 0 → 400', 400, () => s.api.call('GET', `/api/v1/erp/orders?cursor=${b64('0')}`, asB)],
    ['a cursor that is no base64url → 400', 400, () => s.api.call('GET', '/api/v1/erp/orders?cursor=%21%21', asB)],
    // Well-formed cursors are positions only: B sees its own rows after them, nothing of A.
    ['a hand-made cursor at row 1 → 200', 200, () => s.api.call('GET', `/api/v1/erp/orders?cursor=${b64('1')}`, asB)],
    [
      "A's own nextCursor → 200",
      200,
      () => s.api.call('GET', `/api/v1/erp/orders?limit=1000&cursor=${pageOfA.nextCursor ?? b64('1')}`, asB),
    ],
    [
      'a hand-made lake cursor → 200',
      200,
      () => s.api.call('GET', `${lake}/api/datalake/tables/crm/contracts?tenantId=${b}&cursor=${b64('1')}`, asB),
    ],
  ];
  for (const [name, want, call] of probes) {
    const res = await call().catch((err: unknown): Answer => ({ status: -1, body: String(err) }));
    if (res.status >= 200 && res.status < 300) {
      st.answersToB.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    }
    const ok = res.status === want;
    const said = ok ? '' : `: ${(typeof res.body === 'string' ? res.body : JSON.stringify(res.body)).slice(0, 200)}`;
    ctx.checks.push({ name: `B: ${name}`, ok, detail: `answered ${res.status}${said}` });
  }
  ctx.note(`B's ${probes.length} hostile requests done`);
}

/** The run the event's linkage id holds, if it is this event's linkage (its id and B's tenant). */
async function runOf(s: Stack, eventId: string, tenant: string): Promise<boolean> {
  try {
    const d = await s.client.workflow.getHandle(linkageWorkflowId(eventId)).describe();
    return linksEvent(d, { eventId, tenantId: tenant });
  } catch {
    return false;
  }
}

/** The dead letters that stand for the event instead of a run. */
async function startLettersOf(s: Stack, eventId: string): Promise<Rec[]> {
  const letters = await s.api.deadLetters(`?eventId=${encodeURIComponent(eventId)}&status=all`);
  return letters.filter((l) => l.eventId === eventId && !l.runId);
}

async function everyHostileEventEnded(s: Stack, st: State): Promise<NamedCheck> {
  const bad: string[] = [];
  for (const eventId of st.accepted) {
    const n = Number(await runOf(s, eventId, st.b)) + (await startLettersOf(s, eventId)).length;
    if (n !== 1) bad.push(`${eventId}: ${n}`);
  }
  return {
    name: 'every hostile event of B ended as exactly one run or one dead letter',
    ok: bad.length === 0 && st.accepted.length > 0,
    detail: bad.length ? bad.join(', ') : `${st.accepted.length} events`,
  };
}

/** A's tenant id, document ids and business keys: none may appear in an answer B got. */
async function markersOfA(s: Stack, a: string, events: BusEvent[]): Promise<string[]> {
  const lists = ['/erp/orders', '/erp/mm/purchase-orders', '/crm/contracts', '/srm/rfqs', '/oa/approvals'];
  const ids = (await Promise.all(lists.map((p) => s.api.list(a, p)))).flat().map((d) => d.id);
  // A business key is `cell:type:id`; an answer would carry the id itself.
  const keys = events
    .flatMap((e) => businessKeysOf(builtinRule(e.eventType), e.payload))
    .map((k) => k.split(':').slice(2).join(':'));
  return [...new Set([a, ...ids, ...keys])].filter((m) => m.length >= 6);
}

async function afterAttack(s: Stack, ctx: RunContext): Promise<void> {
  const st = stateOf(ctx);
  ctx.checks.push(await everyHostileEventEnded(s, st));

  const eventsA = await s.busEvents(st.a);
  const markers = await markersOfA(s, st.a, eventsA);
  const leaks = st.answersToB.flatMap((text) => markers.filter((m) => text.includes(m)));
  ctx.checks.push({
    name: "no 2xx answer to B carries A's tenant id, document ids or business keys",
    ok: leaks.length === 0 && st.answersToB.length > 0,
    detail: `${st.answersToB.length} answers, ${markers.length} markers${leaks.length ? `; leaked ${leaks.slice(0, 5).join(', ')}` : ''}`,
  });

  const letter = st.letterOfA ? await s.api.deadLetter(st.letterOfA) : null;
  ctx.checks.push({
    name: "A's dead letter B aimed at is still open",
    ok: letter?.status === 200 && letter.body.status === 'open',
    detail: `answered ${letter?.status}, ${String(letter?.body.status)}`,
  });

  // A's linkages kept being made while B attacked: each contract of A signed after B's hostile events has its order.
  // A's poison contracts get a dead letter, not an order (the standard checker counts those).
  const signed = (e: BusEvent) =>
    e.eventType === EVENT_TYPES.contractSigned &&
    PayloadSchemas[EVENT_TYPES.contractSigned].safeParse(e.payload).success;
  const later = eventsA.filter((e) => signed(e) && e.seq > st.hostileSeq);
  const unserved: string[] = [];
  for (const e of later) {
    const c = await countBySource(s.api, st.a, SOURCES.order(String(e.payload.contractId)));
    if (c.live !== 1) unserved.push(`${e.eventId}: ${c.live}`);
  }
  ctx.checks.push({
    name: "A's contracts signed after B's hostile events got their one ERP order",
    ok: later.length > 0 && unserved.length === 0,
    detail: `${later.length} contracts${unserved.length ? `; ${unserved.join(', ')}` : ''}`,
  });
}

export const hostileTenantPlan: Plan = {
  title: 'Hostile tenant: disguised admin routes, owned workflow ids, request-id reuse, bad approvals and pages',
  fault:
    "the platform runs a token map (admin, the worker's service token, tenant A, tenant B); while A's load runs (with a few poison events, so A has dead letters), B with its own tenant token publishes events whose ids take or mimic the product's workflow ids (poller, rule control, resync, `linkage-…`) at 30 % of publishing, then at 50 % sends admin routes in disguise as raw HTTP (`%61dmin`, absolute form, `//`, `/./`, `%2e%2e`, through the proxy to a cell), resolves A's dead letter, reuses X-Request-IDs (a POST's key on a PATCH, A's key on a cell and the poller's key on the DLQ), creates approvals that could never complete or would be too large, asks for pages past the bound and passes hand-made cursors; every attempt must get its expected status, no answer to B may carry A's tenant id, document ids or business keys, and every hostile event must end as one run or one dead letter",
  workers: 1,
  setup() {
    const a = `hostA-${rand()}`;
    const b = `hostB-${rand()}`;
    const tokens = tenantTokens();
    const state: State = { a, b, tokens, accepted: [], hostileSeq: 0, answersToB: [] };
    return {
      platformEnv: (admin) => tokenMapEnv(admin, tokens, a, b),
      workerEnv: { GATEWAY_TOKEN: tokens.service },
      state: state as unknown as Record<string, unknown>,
      secrets: Object.values(tokens),
    };
  },
  async tenants(s, opts, state) {
    const { a, b } = state as unknown as State;
    const targets = await createTargets(s.api, a, approvalCount(opts.events));
    const poison = poisonEvents(a, Math.max(3, Math.round(opts.events / 20)));
    // B publishes nothing of its own load: only what its faults send.
    return [
      { tenant: a, events: shuffle([...mixedEvents(a, opts.events, targets), ...poison], 13) },
      { tenant: b, events: [] },
    ];
  },
  faults: [
    { at: 0.3, what: 'B publishes owned-like event ids', run: publishHostileIds },
    { at: 0.5, what: 'B hostile requests', run: hostileRequests },
  ],
  after: afterAttack,
};
