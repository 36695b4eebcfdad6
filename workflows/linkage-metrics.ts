/** A run's metrics, through a sink: started and closed, by event type and outcome. */
import { proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import type { Outcome } from './types';

/**
 * Metrics out of the sandbox (worker/metrics.ts): sink calls add nothing to the history, so the
 * workflow stays deterministic; they are made only on a live (non-replaying) activation.
 */
export interface LinkageMetricsSinks extends Sinks {
  linkageMetrics: {
    started(eventType: string): void;
    closed(eventType: string, outcome: Outcome): void;
  };
}
export const { linkageMetrics } = proxySinks<LinkageMetricsSinks>();
export const live = () => !workflowInfo().unsafe.isReplaying;
