/**
 * How the linkage workflows are bundled: one place for the worker, the replay check, the tests and the
 * benchmark, so a replay runs the very bundle a worker runs.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import { errorsOnlyLogger } from './logging';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules evaluated once per workflow thread and shared by every run in its reused V8 context, instead of
 * once per run: the workflow code itself (about a tenth of the worker's workflow-thread CPU, see
 * docs/benchmark.md). The SDK deep-freezes them; that is safe because they keep no per-run state at module
 * level (the sinks and queries resolve the current run when called) and never assign to what they export.
 * zod is kept out of them (workflows/linkage-run.ts): its schemas write caches into themselves.
 */
export function bundlerOptions(workflowsPath: string = WORKFLOWS_PATH): { preloadModules: string[] } {
  return { preloadModules: [workflowsPath] };
}

export function bundleLinkageWorkflows(
  workflowsPath: string = WORKFLOWS_PATH,
  logger: Logger = errorsOnlyLogger,
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger, ...bundlerOptions(workflowsPath) });
}
