/** Dead letters go to the gateway (`POST /api/admin/events/dlq`), where operators list them. */
import { bounded } from '../common/bounded';
import type { HttpClient } from './http-client';

export interface DeadLetter {
  reason: string;
  workflowId: string;
  runId: string;
  eventId: string;
  eventType: string;
  tenantId: string;
  step: string;
  businessKeys: string[];
  details?: Record<string, unknown>;
}

/** What the DLQ takes (docs/platform.md): a reason up to 20 000 characters, ids up to 1000. */
const MAX_REASON = 20_000;
const MAX_ID = 1000;

export function createDeadLetterActivities(gateway: HttpClient) {
  return {
    async postDeadLetter(dl: DeadLetter): Promise<{ id: string }> {
      // A letter too large for the queue would be lost: bounded here, the whole story stays in the run.
      const body: DeadLetter = {
        ...dl,
        reason: bounded(dl.reason, MAX_REASON),
        eventId: bounded(dl.eventId, MAX_ID),
        eventType: bounded(dl.eventType, MAX_ID),
        tenantId: bounded(dl.tenantId, MAX_ID),
        businessKeys: dl.businessKeys.map((k) => bounded(k, MAX_ID)),
      };
      return gateway.call<{ id: string }>({
        method: 'POST',
        path: '/api/admin/events/dlq',
        tenantId: dl.tenantId,
        requestId: `${dl.workflowId}:${dl.runId}:dead-letter:${dl.step}`,
        body,
      });
    },
  };
}
