/**
 * The poller's activity: one long-poll read of the bus (`GET /api/events?after&limit&waitMs`), then one
 * workflow started per event. It returns the new cursor only once every event of the page has its
 * workflow, so a crash re-reads the page and the workflow-id rule turns the re-read into no-ops.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../common/config';
import type { BusEvent } from '../common/events';
import type { HttpClient } from '../activities/http-client';
import type { PollResult } from '../workflows/types';
import { startLinkage } from './start-linkage';

export interface EventPage {
  events: BusEvent[];
  nextAfter: number;
}

/** Hooks for metrics; the worker plugs its counters in. */
export interface PollerObserver {
  onPage?(page: EventPage, result: PollResult): void;
}

export function createPollerActivities(
  config: Config,
  client: Client,
  gateway: HttpClient,
  observer: PollerObserver = {},
) {
  return {
    async pollAndStart(after: number): Promise<PollResult> {
      const ctx = Context.current();
      const heartbeat = setInterval(() => ctx.heartbeat(after), 1000);
      try {
        const t0 = Date.now();
        const page = await readPage(gateway, config, after, ctx.cancellationSignal);
        if (!page.events.length) {
          // A bus that honours waitMs already waited; one that answers at once gets the manual's pause.
          if (Date.now() - t0 < config.poller.waitMs / 2) await ctx.sleep(config.pollIntervalMs);
          return { nextAfter: after, read: 0, started: 0, duplicates: 0 };
        }
        let started = 0;
        // Eager start needs the worker's own connection, which the worker gives the poller's client.
        const eager = client.connection instanceof NativeConnection;
        await forEachConcurrently(page.events, config.poller.startConcurrency, async (event) => {
          if (await startLinkage(client, config, event, { eager })) started++;
        });
        const result = {
          nextAfter: page.nextAfter,
          read: page.events.length,
          started,
          duplicates: page.events.length - started,
        };
        ctx.log.info('bus page handed over', { after, ...result });
        observer.onPage?.(page, result);
        return result;
      } catch (err) {
        // The poller must never fail for good: every error is retried after SYNC_WORKER_POLL_INTERVAL_SEC.
        ctx.log.error('bus read failed; retrying', { after, error: (err as Error).message });
        throw new Error(`poll after seq ${after} failed: ${(err as Error).message}`);
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

async function readPage(gateway: HttpClient, config: Config, after: number, signal: AbortSignal): Promise<EventPage> {
  return gateway.call<EventPage>({
    method: 'GET',
    path: '/api/events',
    query: { after, limit: config.poller.pageSize, waitMs: config.poller.waitMs },
    timeoutMs: config.poller.waitMs + config.retry.httpTimeoutMs,
    signal,
  });
}

async function forEachConcurrently<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

/** One read of at most one event after `seq`, without waiting (the poller's start position). */
export async function hasEventAfter(gateway: HttpClient, seq: number): Promise<boolean> {
  const page = await gateway.call<EventPage>({
    method: 'GET',
    path: '/api/events',
    query: { after: seq, limit: 1, waitMs: 0 },
  });
  return page.events.length > 0;
}
