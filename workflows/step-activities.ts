/**
 * The activity options of a step's calls: the retry window of the run's input, and local or regular
 * activities (workflows/patches.ts, LINK_STEP_ACTIVITIES).
 */
import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityCancellationType,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LinkageInput } from './types';

/**
 * A local activity whose next backoff is longer than this waits on a server timer instead of in the worker.
 * Below the first backoff (1 s), so every retry does: each failed attempt is a marker with its failure in
 * the history, and each retry is scheduled again with its first schedule time, which is what enforces the
 * retry window (SDK 1.24 does not end a local activity at its scheduleToClose while it backs off in the
 * worker: test/linkage/repair.test.ts, the dead letter that cannot be posted). The first attempt stays local: the cost of a call
 * that succeeds is one marker.
 */
const LOCAL_RETRY_THRESHOLD = '500 milliseconds';

export interface StepActivityOverrides {
  cancellationType?: ActivityCancellationType;
  retry?: ActivityOptions['retry'];
}

/** The calls of one step, named by `summary` in the Web UI. */
export function stepActivities(
  summary: string,
  retry: LinkageInput['retry'],
  localCalls: boolean,
  overrides: StepActivityOverrides = {},
): Activities {
  const options: ActivityOptions = {
    summary,
    startToCloseTimeout: retry.httpTimeoutMs + 5_000,
    // The retry window (docs/failure-handling.md): transient failures retry with backoff until it closes.
    scheduleToCloseTimeout: retry.windowMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: retry.maxIntervalMs },
    ...overrides,
  };
  return localCalls
    ? proxyLocalActivities<Activities>({ ...options, localRetryThreshold: LOCAL_RETRY_THRESHOLD })
    : proxyActivities<Activities>(options);
}
