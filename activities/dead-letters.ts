/** Dead letters go to the gateway (`POST /api/admin/events/dlq`), where operators list them. */
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

export function createDeadLetterActivities(gateway: HttpClient) {
  return {
    async postDeadLetter(dl: DeadLetter): Promise<{ id: string }> {
      return gateway.call<{ id: string }>({
        method: 'POST',
        path: '/api/admin/events/dlq',
        tenantId: dl.tenantId,
        requestId: `${dl.workflowId}:${dl.runId}:dead-letter:${dl.step}`,
        body: dl,
      });
    },
  };
}
