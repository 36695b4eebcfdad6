/**
 * The rule-control workflow's messages that the rule guard's activities send and read as well
 * (activities/rule-guard.ts, activities/rule-control-client.ts): one definition for both sides, in a
 * workflow-safe contract module. Plain definitions, as `defineSignal` / `defineQuery` make them, so the
 * module needs @temporalio/common only.
 */
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';
import type { HeldRun, RuleName, RulesView } from './rules';

// The brands of the definition types exist for the type checker only (as in `defineSignal`'s own result).
const signal = <Args extends unknown[], Name extends string>(name: Name) =>
  ({ type: 'signal', name }) as SignalDefinition<Args, Name>;
const query = <Ret, Name extends string>(name: Name) => ({ type: 'query', name }) as QueryDefinition<Ret, [], Name>;

/**
 * From a held run's call (activities/rule-guard.ts): the run waits at `step` for `rule`. Sent back to the
 * run as the acknowledgement that it is held (its outcome then reads `paused`).
 */
export const runHeldSignal = signal<[HeldRun], 'runHeld'>('runHeld');
/** From a released run's call (activities/rule-guard.ts): it was made, the next one may go. */
export const runProceededSignal = signal<[{ workflowId: string; rule: RuleName }], 'runProceeded'>('runProceeded');
/** What the rule-control workflow holds: which rules are paused and how many runs each holds. */
export const rulesQuery = query<RulesView, 'rules'>('rules');
