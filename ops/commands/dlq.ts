/** `dlq`: the gateway's dead letters (`GET /api/admin/events/dlq`), by workflow, event or tenant. */
import type { Rec } from '../../common/platform-client';
import type { OpsContext } from '../context';

export interface DlqOptions {
  workflowId?: string;
  eventId?: string;
  tenant?: string;
}

export async function listDeadLetters(ctx: OpsContext, opts: DlqOptions = {}): Promise<Rec[]> {
  const q = new URLSearchParams();
  if (opts.workflowId) q.set('workflowId', opts.workflowId);
  if (opts.eventId) q.set('eventId', opts.eventId);
  if (opts.tenant) q.set('tenantId', opts.tenant);
  const qs = q.toString();
  return ctx.api.deadLetters(qs ? `?${qs}` : '');
}

export function formatDeadLetters(letters: Rec[]): string {
  if (!letters.length) return 'no dead letters match';
  const lines = letters.map((l) =>
    [
      `${String(l.createdAt)}  ${l.id}  ${String(l.workflowId ?? '-')}  step ${String(l.step ?? '-')}`,
      `  event ${String(l.eventType ?? '-')} ${String(l.eventId ?? '-')}  tenant ${String(l.tenantId ?? '-')}`,
      `  ${String(l.reason)}`,
    ].join('\n'),
  );
  return [...lines, `${letters.length} dead letter(s)`].join('\n');
}
