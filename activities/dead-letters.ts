/** Dead letters go to the gateway (`POST /api/admin/events/dlq`), where operators list them. */
import type { ApplicationFailure } from '@temporalio/common';
import { bounded } from '../common/bounded';
import { requestIdFor } from '../common/canonical-json';
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

// Truncated for the queue (readable, not unique): the letter names its event, it is not keyed by it.
const truncatedField = (v: string | undefined) => (v === undefined ? undefined : bounded(v, MAX_ID));

/**
 * Posts a letter, bounded to what the queue takes (a letter refused for its size would be lost; the whole
 * story stays in the run). The request id is `requestId` (who posts it, and for what) plus a digest of the
 * body: a repeated post of the same letter (a retried activity) is one letter, and a post whose text
 * differs (a reason naming another cause) is a letter of its own, never a 422 for a reused id that would
 * be retried for ever. `onePerId`: `requestId` alone, for a letter that must stay one whatever the text of
 * a later attempt (the poller's, per event); such a later post answers 422 (isStoredUnderAnotherBody).
 * Letters of events that never got a workflow (the poller's) have no workflow or run id.
 */
export function postDeadLetter(
  gateway: HttpClient,
  dl: Partial<DeadLetter> & Pick<DeadLetter, 'reason' | 'step'>,
  requestId: string,
  { onePerId = false }: { onePerId?: boolean } = {},
): Promise<{ id: string }> {
  const body = {
    ...dl,
    reason: bounded(dl.reason, MAX_REASON),
    eventId: truncatedField(dl.eventId),
    eventType: truncatedField(dl.eventType),
    tenantId: truncatedField(dl.tenantId),
    businessKeys: dl.businessKeys?.map((k) => bounded(k, MAX_ID)),
  };
  return gateway.call<{ id: string }>({
    method: 'POST',
    path: '/api/admin/events/dlq',
    tenantId: dl.tenantId,
    requestId: onePerId ? requestId : requestIdFor(requestId, body),
    body,
  });
}

/** The gateway answered 422 `request_id_reused`: a letter under this request id is already stored. */
export function isStoredUnderAnotherBody(err: unknown): boolean {
  const details = (err as ApplicationFailure | undefined)?.details?.[0] as
    { status?: unknown; body?: { error?: { code?: unknown } } } | undefined;
  return details?.status === 422 && details.body?.error?.code === 'request_id_reused';
}

export function createDeadLetterActivities(gateway: HttpClient) {
  return {
    async postDeadLetter(dl: DeadLetter): Promise<{ id: string }> {
      return postDeadLetter(gateway, dl, `${dl.workflowId}:${dl.runId}:dead-letter:${dl.step}`);
    },
  };
}
