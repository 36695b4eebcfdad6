/**
 * Tracing for the worker process (common/tracing.ts), started before anything else is loaded: worker/main.ts
 * imports this module first, so `http` is instrumented before the activities load it (undici is seen through
 * its diagnostics channels, whenever it loads). Null when no OTLP endpoint is configured.
 *
 * A Temporal client call outside any trace starts none (the client interceptor's span names, e.g.
 * `StartWorkflow:EventPollerWorkflow`, `QueryWorkflow:rules`): the worker's own start of the poller, whose
 * one trace would otherwise grow for ever across its continue-as-new runs (a few spans per long-poll), and
 * the rule queries of a metrics scrape. Traces start at the poller's `linkage.start` span, one per event
 * (starter/poller-tracing.ts).
 */
import { startTracing } from '../common/tracing';

const TEMPORAL_CLIENT_CALLS =
  /^(StartWorkflow|SignalWorkflow|SignalWithStartWorkflow|QueryWorkflow|StartWorkflowUpdate|UpdateWithStartWorkflow|TerminateWorkflow|CancelWorkflow|DescribeWorkflow)(:|$)/;

export const tracing = startTracing('paas-linkage-worker', {
  untracedRoots: TEMPORAL_CLIENT_CALLS,
  undici: true,
});
