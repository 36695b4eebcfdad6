/**
 * How the linkage workflows are bundled: one place for the worker, the replay check, the tests and the
 * benchmark, so a replay runs the very bundle a worker runs.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import { tracingEnabled } from '../common/tracing';
import { errorsOnlyLogger } from './logging';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Temporal's OpenTelemetry workflow interceptors (RunWorkflow and StartActivity spans, worker/tracing.ts). */
export const TRACING_INTERCEPTORS_PATH =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface LinkageBundleOptions {
  /** Bundle the tracing interceptors; default: whether this environment turns tracing on (common/tracing.ts). */
  tracing?: boolean;
}

/**
 * The workflow interceptor modules: Temporal's OpenTelemetry ones when tracing is on, none otherwise. They
 * are evaluated per run (their tracer and context are per run) and cost CPU on every run, so a bundle made
 * with tracing off leaves them out and is the bundle it always was.
 */
export function workflowInterceptorModules({ tracing = tracingEnabled() }: LinkageBundleOptions = {}): string[] {
  return tracing ? [TRACING_INTERCEPTORS_PATH] : [];
}

/** Whether a bundle's code has the tracing interceptors (their class name; the bundle is not minified). */
export function bundleHasTracing(code: string): boolean {
  return code.includes('OpenTelemetryInboundInterceptor');
}

/**
 * Modules evaluated once per workflow thread and shared by every run in its reused V8 context, instead of
 * once per run: the workflow code itself (about a tenth of the worker's workflow-thread CPU, see
 * docs/benchmark.md). The SDK deep-freezes them; that is safe because they keep no per-run state at module
 * level (the sinks and queries resolve the current run when called) and never assign to what they export.
 * zod is kept out of them (workflows/linkage-skeleton.ts): its schemas write caches into themselves.
 */
export function bundlerOptions(workflowsPath: string = WORKFLOWS_PATH): { preloadModules: string[] } {
  return { preloadModules: [workflowsPath] };
}

export function bundleLinkageWorkflows(
  workflowsPath: string = WORKFLOWS_PATH,
  logger: Logger = errorsOnlyLogger,
  opts: LinkageBundleOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger,
    ...bundlerOptions(workflowsPath),
    workflowInterceptorModules: workflowInterceptorModules(opts),
  });
}
