/**
 * The poller's activity: one long-poll read of the bus (`GET /api/events?after&limit&waitMs`), then one
 * workflow started per event. It returns the new cursor only once every event of the page has its
 * workflow or, when it can have none (malformed, refused by Temporal), its dead letter; a crash re-reads
 * the page and the workflow-id rule and the letters' request ids turn the re-read into no-ops.
 */
import { Context } from '@temporalio/activity';
import { type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../common/config';
import { BusEventSchema, describeIssues, type BusEvent } from '../common/events';
import { readBus } from '../activities/bus';
import { isStoredUnderAnotherBody, postDeadLetter } from '../activities/dead-letters';
import type { HttpClient } from '../activities/http-client';
import { causeChain } from '../common/cause-chain';
import type { IntakeState, LaneResult, PollResult } from '../workflows/types';
import { IntakeLaneKeeper, lanePacer, readLanePage } from './intake-lanes';
import { traceBusRead, traceEventStart } from './poller-tracing';
import { pollerSummary } from './poller-summary';
import { waitForRunQueueRoom } from './run-queue-room';
import { startLinkage } from './start-linkage';
import { classifyStartRefusal, NamespaceRefusedError } from './start-refusal';
import { forEachConcurrently } from '../common/concurrency';

export interface EventPage {
  events: BusEvent[];
  nextAfter: number;
}

/** Hooks for metrics and health; the worker plugs its counters in. */
export interface PollerObserver {
  onPage?(page: EventPage, result: PollResult, intake?: IntakeState): void;
  /** A bus read (or a start) failed: the page is read again after SYNC_WORKER_POLL_INTERVAL_SEC. */
  onReadFailed?(error: string): void;
  /** An event could not be started: it got a dead letter and the cursor moved on. */
  onDeadLetter?(reason: string): void;
  /** A page of a tenant's intake lane, read at `readAtMs`. */
  onLanePage?(tenantId: string, page: EventPage, result: LaneResult, readAtMs: number): void;
}

/** An event of the page that gets a dead letter instead of a workflow: why, and what is known of it. */
export interface Unstartable {
  seq: number | null;
  event: Partial<BusEvent>;
  reason: string;
}

/** How long one lane page waits for room in the runs' queue: far from its activity's 2-minute timeout. */
const LANE_HOLD_MS = 20_000;

export function createPollerActivities(
  config: Config,
  client: Client,
  gateway: HttpClient,
  observer: PollerObserver = {},
) {
  const summary = pollerSummary();
  return {
    /**
     * One page of the bus after `after`. With `intake` (a poller of tenant lanes): first the tenants whose
     * lane is done are caught up on, then a tenant whose events fill the page gets a lane of its own, and the
     * events of tenants with a lane are left to it.
     */
    async pollAndStart(after: number, intake?: IntakeState): Promise<PollResult> {
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(after), 1000);
      try {
        const t0 = Date.now();
        const lanes = new IntakeLaneKeeper(client, config, gateway, parsePage, intake);
        const caughtUp = await lanes.catchUp(after, (events, unstartable) =>
          startEvents(client, config, events, unstartable).then(async (r) => {
            for (const u of unstartable) await deadLetter(gateway, u, observer);
            return r;
          }),
        );
        const laneFields = {
          ...(caughtUp.length ? { caughtUp } : {}),
        };
        // Tracing on: a page with events gets a `bus.read` span, each event a trace of its own (poller-tracing.ts).
        const { page, unstartable, readSpan } = await traceBusRead(after, () =>
          readPage(gateway, config, after, ctx.cancellationSignal),
        );
        const malformed = unstartable.length;
        // The events of tenants with a lane are the lane's; a tenant flooding the page gets one.
        const { toStart, delegated } = await lanes.share(page.events);
        if (!page.events.length && !malformed) {
          // A bus that honours waitMs already waited; one that answers at once gets the poll interval's pause.
          if (Date.now() - t0 < config.poller.waitMs / 2) await ctx.sleep(config.pollIntervalMs);
          await lanes.restartStoppedLanes();
          const empty = { nextAfter: after, read: 0, started: 0, duplicates: 0, ...laneFields };
          observer.onPage?.(page, empty, intake);
          summary.page(empty, null, ctx.log);
          return empty;
        }
        const { started, refused } = await startEvents(client, config, toStart, unstartable, readSpan);
        for (const u of unstartable) await deadLetter(gateway, u, observer);
        if (page.events.length + malformed < config.poller.pageSize) await lanes.restartStoppedLanes();
        const result: PollResult = {
          nextAfter: page.nextAfter,
          read: page.events.length + malformed,
          started,
          duplicates: toStart.length - started - refused,
          deadLettered: unstartable.length,
          ...laneFields,
          ...(delegated.length ? { delegated } : {}),
        };
        ctx.log.debug('bus page handed over', { after, ...result });
        observer.onPage?.(page, result, intake);
        // The age of the page's oldest event (by its occurredAt) when it was read: how far behind the poller is.
        const oldest = Date.parse(page.events[0]?.occurredAt ?? '');
        summary.page(result, Number.isNaN(oldest) ? null : Math.max(0, t0 - oldest), ctx.log, {
          caughtUp: page.events.length + malformed < config.poller.pageSize,
        });
        return result;
      } catch (err) {
        // The poller never fails for good: the read is retried after SYNC_WORKER_POLL_INTERVAL_SEC (read from
        // this worker's configuration, so a new value takes effect at the next start). Loud meanwhile.
        const error = causeChain(err);
        // Cancelled (the worker shutting down, the poller run cancelled): not a bus failure, no alarm.
        if (ctx.cancellationSignal.aborted) ctx.log.debug('bus read cancelled', { after, error });
        else {
          ctx.log.error('bus read failed; retrying', { after, error, retryInMs: config.pollIntervalMs });
          summary.failed();
        }
        observer.onReadFailed?.(error);
        throw ApplicationFailure.create({
          message: `poll after seq ${after} failed: ${error}`,
          type: 'BusReadFailed',
          nextRetryDelay: config.pollIntervalMs,
        });
      } finally {
        clearInterval(heartbeat);
      }
    },

    /**
     * One page of a tenant's lane (workflows/tenant-lane.ts): its events after `after`, each started; a
     * tenant capped by INTAKE_TENANT_RATES has its starts spread over the page (heartbeating meanwhile).
     */
    async pollTenantAndStart({ tenantId, after }: { tenantId: string; after: number }): Promise<LaneResult> {
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(after), 1000);
      try {
        const room = await waitForRunQueueRoom(
          client,
          config,
          LANE_HOLD_MS,
          (ms) => ctx.sleep(ms),
          (m) => ctx.log.warn(m),
        );
        if (!room) {
          return { nextAfter: after, read: 0, started: 0, duplicates: 0, caughtUp: false, held: true };
        }
        const t0 = Date.now();
        const { raw, caughtUp } = await readLanePage(gateway, config, tenantId, after, ctx.cancellationSignal);
        const { page, unstartable } = parsePage(raw);
        const pace = lanePacer(config, tenantId, t0, (ms) => ctx.sleep(ms));
        const { started, refused } = await startEvents(client, config, page.events, unstartable, undefined, pace);
        await pace.end(page.events.length);
        for (const u of unstartable) await deadLetter(gateway, u, observer);
        const result: LaneResult = {
          nextAfter: page.nextAfter,
          read: raw.events.length,
          started,
          duplicates: page.events.length - started - refused,
          deadLettered: unstartable.length,
          caughtUp,
        };
        observer.onLanePage?.(tenantId, page, result, t0);
        return result;
      } catch (err) {
        const error = causeChain(err);
        if (!ctx.cancellationSignal.aborted)
          ctx.log.error('tenant lane read failed; retrying', { tenantId, after, error });
        observer.onReadFailed?.(error);
        throw ApplicationFailure.create({
          message: `tenant ${tenantId}'s lane after seq ${after} failed: ${error}`,
          type: 'BusReadFailed',
          nextRetryDelay: config.pollIntervalMs,
        });
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

/**
 * Starts one workflow per event, `startConcurrency` at a time. An event whose start the server refuses for
 * the event itself is set aside in `unstartable` for a dead letter; a namespace-level refusal (search
 * attributes not registered) and anything else (Temporal down) fail the whole page: nothing is skipped.
 * `pace` (a capped lane) is awaited before the i-th start of the page, in page order.
 */
export async function startEvents(
  client: Client,
  config: Config,
  events: BusEvent[],
  unstartable: Unstartable[],
  readSpan?: Parameters<typeof traceEventStart>[1],
  pace?: { beforeStart(index: number): Promise<void> },
): Promise<{ started: number; refused: number }> {
  let started = 0;
  let refused = 0;
  // Eager start needs the worker's own connection, which the worker gives the poller's client.
  const eager = client.connection instanceof NativeConnection;
  await forEachConcurrently(events.entries(), config.poller.startConcurrency, async ([index, event]) => {
    await pace?.beforeStart(index);
    try {
      if (await traceEventStart(event, readSpan, () => startLinkage(client, config, event, { eager }))) started++;
    } catch (err) {
      const refusal = classifyStartRefusal(err);
      if (refusal?.kind === 'namespace') throw new NamespaceRefusedError(refusal.cause);
      if (refusal?.kind !== 'event') throw err;
      refused++;
      unstartable.push({ seq: event.seq, event, reason: `Temporal refused to start its workflow: ${causeChain(err)}` });
    }
  });
  return { started, refused };
}

/** The dead letter of an event without a workflow; idempotent per seq, so a re-read page posts it once. */
export async function deadLetter(gateway: HttpClient, u: Unstartable, observer: PollerObserver): Promise<void> {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const reason = `bus event at seq ${u.seq ?? '?'} not linked: ${u.reason}`;
  const letter = {
    reason,
    eventId: str(u.event.eventId),
    eventType: str(u.event.eventType),
    tenantId: str(u.event.tenantId),
    step: 'start',
    // The event itself, so `dlq redrive` can start its linkage once the cause is fixed.
    details: { seq: u.seq, event: u.event },
  };
  // One letter per event: a re-read page may be refused with other words (the first letter stands).
  await postDeadLetter(gateway, letter, `poller:seq-${u.seq ?? 'none'}:${letter.eventId ?? 'no-event-id'}`, {
    onePerId: true,
  }).catch((err: unknown) => {
    if (!isStoredUnderAnotherBody(err)) throw err;
  });
  observer.onDeadLetter?.(reason);
}

/**
 * One long-poll read. The answer is validated: a malformed page is an error (read again), a malformed
 * event is set aside for a dead letter, so one bad event never holds back the others.
 */
async function readPage(
  gateway: HttpClient,
  config: Config,
  after: number,
  signal: AbortSignal,
): Promise<{ page: EventPage; unstartable: Unstartable[] }> {
  const raw = await readBus(
    gateway,
    { after, limit: config.poller.pageSize, waitMs: config.poller.waitMs },
    {
      timeoutMs: config.poller.waitMs + config.retry.httpTimeoutMs,
      signal,
    },
  );
  return parsePage(raw);
}

/** A bus page's events checked one by one: a malformed one is set aside for a dead letter. */
export function parsePage(raw: { events: unknown[]; nextAfter: number }): {
  page: EventPage;
  unstartable: Unstartable[];
} {
  const events: BusEvent[] = [];
  const unstartable: Unstartable[] = [];
  for (const item of raw.events) {
    const e = BusEventSchema.safeParse(item);
    if (e.success) events.push(e.data);
    else {
      const partial = (item && typeof item === 'object' ? item : {}) as Partial<BusEvent>;
      const seq = typeof partial.seq === 'number' ? partial.seq : null;
      unstartable.push({ seq, event: partial, reason: `malformed: ${describeIssues(e.error).join('; ')}` });
    }
  }
  return { page: { events, nextAfter: raw.nextAfter }, unstartable };
}
