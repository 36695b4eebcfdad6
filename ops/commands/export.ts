/** `export`: one run's history as JSON, in the format `Worker.runReplayHistory` and the Web UI load. */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { OpsContext } from '../context';

export async function exportHistory(ctx: OpsContext, workflowId: string, runId?: string): Promise<string> {
  const history = await ctx.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return historyToJSON(history);
}

export async function exportHistoryToFile(
  ctx: OpsContext,
  workflowId: string,
  out: string,
  runId?: string,
): Promise<string> {
  const json = await exportHistory(ctx, workflowId, runId);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
  return out;
}
