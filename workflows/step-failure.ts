/** How a run's failures are named: the workflow's failure types and a required step that failed for good. */
import { ActivityFailure } from '@temporalio/workflow';
import { causeChain } from '../common/cause-chain';

export const FAILURE_TYPES = {
  invalidPayload: 'InvalidEventPayload',
  linkageFailed: 'LinkageFailed',
} as const;

/** A required step that failed for good (non-retryable answer, or its retry window ended). */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly error: unknown,
  ) {
    super(`${step}: ${describeError(error)}`);
    this.name = 'StepFailed';
  }
}

/** The chain of failure messages, innermost cause last: "activity failed: POST ... answered 422: ...". */
export function describeError(err: unknown): string {
  return causeChain(err, (e) => e instanceof ActivityFailure);
}
