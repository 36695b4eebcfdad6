/**
 * `replay`: runs exported histories (files, a directory of them, or runs fetched from the server)
 * against the current workflow code. A non-deterministic change shows up as a DeterminismViolationError.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleLinkageWorkflows } from '../../worker/workflow-bundle';
import type { OpsContext } from '../context';

export const DEFAULT_WORKFLOWS_PATH = path.resolve(__dirname, '../../workflows');

export interface ReplayOutcome {
  workflowId: string;
  /** Where the history came from: a file, or `server`. */
  source: string;
  ok: boolean;
  errorName?: string;
  error?: string;
}

/** `file.json` or a directory (its `*.json`, sorted) → histories named after their file. */
export function loadHistoryFiles(target: string): (HistoryAndWorkflowId & { source: string })[] {
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  return files.map((file) => ({
    workflowId: path.basename(file, '.json'),
    history: historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))),
    source: file,
  }));
}

export async function fetchHistories(
  ctx: OpsContext,
  workflowIds: string[],
): Promise<(HistoryAndWorkflowId & { source: string })[]> {
  return Promise.all(
    workflowIds.map(async (workflowId) => ({
      workflowId,
      history: await ctx.client.workflow.getHandle(workflowId).fetchHistory(),
      source: 'server',
    })),
  );
}

let cached: { path: string; bundle: Promise<WorkflowBundleWithSourceMap> } | undefined;
/** Replay exports no spans: the bundle without the tracing interceptors replays traced histories too. */
function bundleOf(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  if (cached?.path !== workflowsPath)
    cached = { path: workflowsPath, bundle: bundleLinkageWorkflows(workflowsPath, quiet, { tracing: false }) };
  return cached.bundle;
}
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function replayHistories(
  histories: (HistoryAndWorkflowId & { source: string })[],
  workflowsPath: string = DEFAULT_WORKFLOWS_PATH,
): Promise<ReplayOutcome[]> {
  const workflowBundle = await bundleOf(workflowsPath);
  const sources = new Map(histories.map((h) => [h.workflowId, h.source]));
  const outcomes: ReplayOutcome[] = [];
  const results = Worker.runReplayHistories(
    { workflowBundle, replayName: 'linkage-replay' },
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  for await (const r of results) {
    outcomes.push({
      workflowId: r.workflowId,
      source: sources.get(r.workflowId) ?? '?',
      ok: !r.error,
      ...(r.error ? { errorName: r.error.name, error: r.error.message } : {}),
    });
  }
  return outcomes;
}

export function formatReplay(outcomes: ReplayOutcome[]): string {
  const lines = outcomes.map((o) =>
    o.ok
      ? `ok      ${o.workflowId}  (${o.source})`
      : `FAILED  ${o.workflowId}  (${o.source})\n  ${o.errorName}: ${o.error}`,
  );
  const failed = outcomes.filter((o) => !o.ok).length;
  lines.push(`${outcomes.length - failed} of ${outcomes.length} histories replayed deterministically`);
  return lines.join('\n');
}
