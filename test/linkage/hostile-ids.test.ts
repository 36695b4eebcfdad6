/**
 * Property: whatever id and payload a hostile tenant gives an event, once the bus accepts it the event ends
 * as exactly one linkage run or exactly one dead letter, and another tenant's contract signed after it gets
 * its one ERP order. The ids drawn include every workflow id the product owns (in both spellings, bare and
 * as a prefix), ids that look like linkage ids, and arbitrary Unicode; the payloads arbitrary JSON. Runs
 * through the real bus, poller, worker and cells.
 */
import fc from 'fast-check';
import { EVENT_TYPES } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { linksEvent } from '../../starter/start-linkage';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('hostile-ids');
  await env.startWorker({ POLLER_PAGE_SIZE: '50' });
});
afterAll(async () => {
  await env?.stop();
});

const RUNS = 12;
let tried = 0;
let accepted = 0;

/** Ids a hostile tenant would try: the product's own workflow ids, old and new spellings, and look-alikes. */
function ownedLike(taskQueue: string): string[] {
  return [
    `rule-control-${taskQueue}`,
    `event-poller-${taskQueue}`,
    `event-poller${taskQueue}`,
    `paas-linkage:poller:${taskQueue}`,
    `paas-linkage:rule-control:${taskQueue}`,
    `paas-linkage:resync:${taskQueue}`,
    `linkage-rule-control-${taskQueue}`,
    `linkage-event-poller-${taskQueue}`,
    // The others name this run's task queue too: suites share the namespace, and an id another suite
    // already linked is rightly a collision here.
    `lake-resync-0-head-all-all-${taskQueue}`,
    `linkage-${taskQueue}`,
  ];
}

const eventIds = (taskQueue: string) =>
  fc.oneof(
    fc.constantFrom(...ownedLike(taskQueue)),
    fc.tuple(fc.constantFrom(...ownedLike(taskQueue)), fc.string({ maxLength: 12 })).map(([a, b]) => a + b),
    fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
    fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
    // As long as the bus takes: every id derived from it (workflow id, request ids) must still fit.
    fc.string({ minLength: 190, maxLength: 200 }),
  );
const eventTypes = fc.oneof(fc.constantFrom(...Object.values(EVENT_TYPES)), fc.string({ minLength: 1, maxLength: 30 }));
const payloads = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 });

/** The run the event's linkage id holds, if it is this event's linkage (its id and the hostile tenant). */
async function runOf(eventId: string, tenant: string): Promise<boolean> {
  try {
    const d = await env.client.workflow.getHandle(linkageWorkflowId(eventId)).describe();
    return linksEvent(d, { eventId, tenantId: tenant });
  } catch {
    return false;
  }
}
/** The dead letters that stand for the event instead of a run (no run was started for it). */
async function startLettersOf(eventId: string): Promise<Rec[]> {
  const letters = await env.api.deadLetters(`?eventId=${encodeURIComponent(eventId)}&status=all`);
  return letters.filter((l) => l.eventId === eventId && !l.runId);
}

/** One event ends as exactly one run or one dead letter (never both, never neither). */
async function endedOnce(eventId: string, tenant: string): Promise<void> {
  const ended = await waitFor(
    `event ${JSON.stringify(eventId)} run or dead letter`,
    async () => {
      const [run, letters] = await Promise.all([runOf(eventId, tenant), startLettersOf(eventId)]);
      return run || letters.length ? { eventId, run, letters: letters.map((l) => l.reason) } : null;
    },
    60_000,
    250,
  );
  expect({ ...ended, ended: Number(ended.run) + ended.letters.length }).toMatchObject({ ended: 1 });
}

test("events named like the poller's and the rule control's ids: each linked once, and another tenant's contract gets its order", async () => {
  const hostile = uniqueTenant('hostile');
  const ids = [`rule-control-${env.taskQueue}`, `event-poller-${env.taskQueue}`];
  for (const eventId of ids) {
    const r = await env.api.publish({ eventId, eventType: 'hr.document.uploaded', tenantId: hostile, payload: {} });
    expect(r.status).toBe(201);
  }
  const victim = uniqueTenant('victim');
  const contract = await env.api.signContract(victim, { customerId: 'c-1', contractNo: 'n-1', amountCents: 100 });
  await waitFor(
    "the victim's ERP order",
    async () => (await countBySource(env.api, victim, SOURCES.order(String(contract.id)))).live === 1,
    120_000,
    250,
  );
  expect(await countBySource(env.api, victim, SOURCES.order(String(contract.id)))).toMatchObject({ live: 1 });
  for (const eventId of ids) await endedOnce(eventId, hostile);
});

test(`any accepted event ends as one run or one dead letter; another tenant is served after it (${RUNS} runs)`, async () => {
  const hostile = uniqueTenant('hostile');
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ eventId: eventIds(env.taskQueue), eventType: eventTypes, payload: payloads }), {
        minLength: 1,
        maxLength: 6,
      }),
      async (events) => {
        const mine: string[] = [];
        for (const e of events) {
          tried++;
          const r = await env.api.publish({ ...e, tenantId: hostile });
          if (r.status === 201 && !r.body.duplicate) {
            accepted++;
            mine.push(e.eventId);
          } else expect([200, 201, 400, 409, 413]).toContain(r.status); // 200: an id this tenant published before
        }
        const victim = uniqueTenant('victim');
        const contract = await env.api.signContract(victim, { customerId: 'c-1', contractNo: 'n-1', amountCents: 100 });
        const orders = await waitFor(
          `the victim's ERP order after ${JSON.stringify(mine)}`,
          async () => {
            const c = await countBySource(env.api, victim, SOURCES.order(String(contract.id)));
            return c.live ? c : null;
          },
          120_000,
          250,
        );
        expect(orders.live).toBe(1);
        for (const eventId of mine) await endedOnce(eventId, hostile);
      },
    ),
    { numRuns: RUNS, endOnFailure: true },
  );
  console.log(`hostile ids: ${RUNS} property runs, ${tried} events tried, ${accepted} accepted by the bus`);
  expect(accepted).toBeGreaterThan(RUNS);
});
