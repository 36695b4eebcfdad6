/** `list-failed`: failed linkage runs by event type, tenant, close time or business key, with the reason. */
import {
  LinkageBusinessKeys,
  LinkageEventId,
  LinkageEventType,
  LinkageOutcome,
  LinkageTenant,
} from '../../common/search-attributes';
import { uiLink, type OpsContext } from '../context';
import { closeEvent, closeReason } from '../history';
import { failedRunsQuery, type RunFilters } from '../queries';

export interface FailedRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  eventType?: string;
  eventId?: string;
  tenant?: string;
  businessKeys: string[];
  outcome?: string;
  closeTime?: string;
  reason: string | null;
  /** Another run (an operator's reset) has replaced this one. */
  superseded: boolean;
  link: string | null;
}

export interface ListFailedOptions extends RunFilters {
  /** Also list runs already replaced by a reset (hidden by default). */
  includeSuperseded?: boolean;
  limit?: number;
}

export async function listFailed(ctx: OpsContext, opts: ListFailedOptions = {}): Promise<FailedRun[]> {
  const query = failedRunsQuery(opts);
  const runs: FailedRun[] = [];
  const latest = new Map<string, string>();
  for await (const wf of ctx.client.workflow.list({ query })) {
    if (opts.limit && runs.length >= opts.limit) break;
    const sa = wf.typedSearchAttributes;
    if (!latest.has(wf.workflowId)) {
      const d = await ctx.client.workflow.getHandle(wf.workflowId).describe();
      latest.set(wf.workflowId, d.runId);
    }
    const superseded = latest.get(wf.workflowId) !== wf.runId;
    if (superseded && !opts.includeSuperseded) continue;
    runs.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      workflowType: wf.type,
      status: wf.status.name,
      eventType: sa.get(LinkageEventType),
      eventId: sa.get(LinkageEventId),
      tenant: sa.get(LinkageTenant),
      businessKeys: sa.get(LinkageBusinessKeys) ?? [],
      outcome: sa.get(LinkageOutcome),
      closeTime: wf.closeTime?.toISOString(),
      reason: closeReason(await closeEvent(ctx, wf.workflowId, wf.runId)),
      superseded,
      link: uiLink(ctx, wf.workflowId, wf.runId),
    });
  }
  return runs;
}

export function formatFailedRuns(runs: FailedRun[]): string {
  if (!runs.length) return 'no failed linkage runs match';
  const blocks = runs.map((r) =>
    [
      `${r.workflowId}  ${r.workflowType}  ${r.status}${r.superseded ? ' (superseded by a reset)' : ''}`,
      `  run       ${r.runId}`,
      `  event     ${r.eventType ?? '-'}  tenant ${r.tenant ?? '-'}  outcome ${r.outcome ?? '-'}`,
      `  keys      ${r.businessKeys.join(', ') || '-'}`,
      `  closed    ${r.closeTime ?? '-'}`,
      `  reason    ${r.reason ?? '-'}`,
      ...(r.link ? [`  web ui    ${r.link}`] : []),
    ].join('\n'),
  );
  return [...blocks, `${runs.length} failed run(s)`].join('\n\n');
}
