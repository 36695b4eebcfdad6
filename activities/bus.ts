/**
 * Reading the gateway's event bus (`GET /api/events`): the poller's pages (starter/poll-and-start.ts), the
 * resync's scans (activities/lake-resync.ts), the worker's lag probe and its start-up check of the bus
 * credentials.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../common/config';
import { causeChain } from '../common/cause-chain';
import { BusPageSchema, describeIssues } from '../common/events';
import type { HttpClient } from './http-client';

/**
 * The one read of the bus (`GET /api/events`), its answer validated: a malformed page is an error; its
 * events are left for the caller to check one by one.
 */
export async function readBus(
  gateway: HttpClient,
  query: { after: number; limit: number; waitMs: number; tenantId?: string },
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ events: unknown[]; nextAfter: number }> {
  const raw = await gateway.call<unknown>({ method: 'GET', path: '/api/events', query, ...opts });
  const parsed = BusPageSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`the bus answered a malformed page: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

/** One read of at most one event after `seq`, without waiting (the poller's start position). */
export async function hasEventAfter(gateway: HttpClient, seq: number): Promise<boolean> {
  return (await readBus(gateway, { after: seq, limit: 1, waitMs: 0 })).events.length > 0;
}

/**
 * The worker's start-up check of its bus credentials: a token the bus refuses (401 / 403) is a
 * configuration error, refused at start with a clear message rather than a silent retry loop. A bus that
 * cannot be reached is only reported: the poller retries it, loudly.
 */
export async function checkBusAccess(gateway: HttpClient): Promise<{ reachable: boolean; error?: string }> {
  try {
    await hasEventAfter(gateway, 0);
    return { reachable: true };
  } catch (err) {
    const status = err instanceof ApplicationFailure ? (err.details?.[0] as { status?: unknown })?.status : undefined;
    const error = causeChain(err);
    if (status === 401 || status === 403) {
      // A 403 is a known token of the wrong role (a tenant's): the bus's own hint (add tenantId) is not for the worker.
      const fix = status === 403 ? ': the worker reads every tenant, so it needs a service (or admin) token' : '';
      throw new ConfigError([
        `GATEWAY_TOKEN / EVENT_BUS_TOKEN: the bus at ${gateway.baseUrl} refused it: ${error}${fix}`,
      ]);
    }
    return { reachable: false, error };
  }
}
