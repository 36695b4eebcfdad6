/** The open lake dead letters of a resync page's events, resolved once the page re-ingested them. */
import { bounded } from '../common/bounded';
import { requestIdFor } from '../common/canonical-json';
import type { BusEvent } from '../common/events';
import type { ResyncCounters } from '../common/resync';
import type { HttpClient } from './http-client';
import type { ResyncPageInput } from './lake-resync';

/** Resolves, per tenant, the open lake letters of the page's events, for the steps each event is done with. */
export async function resolveLetters(
  gateway: HttpClient,
  input: ResyncPageInput,
  counters: ResyncCounters,
  signal: AbortSignal,
  events: BusEvent[],
  stepsOf: (e: BusEvent) => string[],
): Promise<void> {
  const { workflowId, runId, after } = input;
  // tenant → steps → eventIds
  const groups = new Map<string, Map<string, string[]>>();
  for (const e of events) {
    const steps = stepsOf(e);
    if (!steps.length) continue;
    const key = steps.join(',');
    if (!groups.has(e.tenantId)) groups.set(e.tenantId, new Map());
    const bySteps = groups.get(e.tenantId)!;
    bySteps.set(key, [...(bySteps.get(key) ?? []), e.eventId]);
  }
  for (const [tenantId, bySteps] of groups) {
    for (const [key, eventIds] of bySteps) {
      for (let i = 0; i < eventIds.length; i += 1000) {
        const body = {
          tenantId,
          eventIds: eventIds.slice(i, i + 1000),
          steps: key.split(','),
          // The DLQ takes a resolver of up to 200 characters and a note of up to 5000.
          by: bounded(`resync ${workflowId}`, 200),
          note: bounded(
            `re-ingested into the data lake by the resync ${workflowId} (run ${runId}, bus page after seq ${after})`,
            5000,
          ),
        };
        const res = await gateway.call<{ resolved: unknown[]; alreadyResolved: number }>({
          method: 'POST',
          path: '/api/admin/events/dlq/bulk-resolve',
          tenantId,
          // A retried attempt answers the first attempt's result (and resolves nothing twice); one that
          // re-read a page grown since is another request, not a reused id.
          requestId: requestIdFor(`${workflowId}:${runId}:resync:${after}:${tenantId}:${key}:${i}`, body),
          body,
          signal,
        });
        counters.lettersResolved += res.resolved.length;
      }
    }
  }
}
