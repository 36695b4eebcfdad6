/**
 * The worker's side of tracing (common/tracing.ts), with Temporal's own OpenTelemetry interceptors
 * (@temporalio/interceptors-opentelemetry), all of it only when tracing is on:
 *   - client: a workflow start carries the current span (the poller's event span) in the workflow's
 *     headers, under a `StartWorkflow:<type>` span;
 *   - workflow: `RunWorkflow:<type>` continues from the headers, `StartActivity:<type>` per step (local
 *     activities included) passes its context on in the step's headers (worker/workflow-bundle.ts puts the
 *     interceptor module in the bundle); the sandbox's spans reach the exporter through the `exporter` sink;
 *   - activities: `RunActivity:<type>` continues from the step's headers and is the active span while the
 *     step runs, so its HTTP calls (instrumented http) carry it as `traceparent` to the gateway and cells.
 * Loaded by worker/create-worker.ts only when tracing is on.
 */
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from '../common/tracing';

export interface WorkerTracing {
  /** For the Client that starts workflows (the poller's). */
  clientInterceptors: ClientInterceptors;
  /** Activity interceptors (the workflow ones are in the bundle: worker/workflow-bundle.ts). */
  interceptors: WorkerInterceptors;
  /** The workflow spans' sink, to merge with the worker's other sinks. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export function workerTracing(tracing: Tracing): WorkerTracing {
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
