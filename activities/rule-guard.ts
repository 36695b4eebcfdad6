/**
 * What a step's call checks first: is its rule paused? The answer comes from the rule-control workflow's
 * `rules` query (workflows/rule-control.ts), kept for `RULE_STATE_MAX_AGE_MS` per worker process and read
 * again when a released run names a newer state. A paused rule fails the call with a non-retryable
 * `RulePaused` failure that the run turns into a durable wait (workflows/rule-hold.ts), not an error.
 */
import { Context } from '@temporalio/activity';
import { Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { readRuleControl, RuleControlMisconfiguredError } from './rule-control-client';
import {
  ruleControlWorkflowId,
  RULE_PAUSED_FAILURE,
  type RuleName,
  type RulePausedDetails,
  type RulesView,
} from '../common/rules';
import { runHeldSignal, runProceededSignal } from '../common/rule-signals';

/** Set by the run on a step's call (never on a compensation): the step's rule, and the newest state it knows. */
export interface RuleGuardContext {
  rule?: RuleName;
  /** The step and the run's bus seq, for the rule-control workflow's list of held runs. */
  step?: string;
  seq?: number;
  /** The rule-control state version the run was released under: an older cached state is read again. */
  minVersion?: number;
}

export interface RuleGuard {
  /**
   * Makes a step's call unless its rule is paused. Paused: the rule-control workflow is told the run holds
   * (it acknowledges to the run, and releases it later), and the call fails with RulePaused. A released
   * run's call tells the control workflow once it is made, so the next held run may go.
   */
  run<T>(ctx: RuleGuardContext, call: () => Promise<T>): Promise<T>;
  /** The state as last read (for the metrics' held-runs gauge). */
  view(): Promise<RulesView>;
  /** Why the rule state cannot be read (the control id answers as another workflow type), or null. */
  alarm(): string | null;
}

const NO_RULES: RulesView = { version: 0, rules: [] };

export function createRuleGuard(client: Client | null, taskQueue: string, maxAgeMs: number): RuleGuard {
  let cached: RulesView = NO_RULES;
  let readAt = -Infinity;
  let reading: Promise<RulesView> | null = null;
  let controlId = ruleControlWorkflowId(taskQueue);
  let alarm: string | null = null;

  async function read(): Promise<RulesView> {
    if (!client) return NO_RULES;
    try {
      // null: no rule was ever paused on this task queue, so none is.
      const answer = await readRuleControl(client, taskQueue);
      controlId = answer?.workflowId ?? ruleControlWorkflowId(taskQueue);
      alarm = null;
      return answer?.view ?? NO_RULES;
    } catch (err) {
      if (!(err instanceof RuleControlMisconfiguredError)) throw err;
      // Retrying cannot fix it and every linkage would wait: runs go on as if no rule were paused, and the
      // worker says so loudly (metrics, /healthz) until an operator frees the id.
      if (alarm !== err.message) Runtime.instance().logger.error('rule state unreadable', { error: err.message });
      alarm = err.message;
      return NO_RULES;
    }
  }

  async function current(minVersion = 0): Promise<RulesView> {
    if (Date.now() - readAt <= maxAgeMs && cached.version >= minVersion) return cached;
    // One read at a time per process, however many calls ask.
    reading ??= read()
      .then((v) => {
        cached = v;
        readAt = Date.now();
        return v;
      })
      .finally(() => (reading = null));
    return reading;
  }

  const control = () => client!.workflow.getHandle(controlId);

  return {
    async run(ctx, call) {
      const { rule, minVersion } = ctx;
      if (!rule) return call();
      const view = await current(minVersion);
      const paused = view.rules.find((r) => r.rule === rule)?.paused;
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      if (paused) {
        // Told before the answer: if this signal fails, the call is retried like any failed call.
        await control().signal(runHeldSignal, { workflowId, rule, step: ctx.step ?? '', seq: ctx.seq ?? 0 });
        const details: RulePausedDetails = { rule, version: view.version, ...paused };
        throw ApplicationFailure.create({
          type: RULE_PAUSED_FAILURE,
          message: `rule ${rule} is paused by ${paused.by} since ${paused.at}: ${paused.reason}`,
          nonRetryable: true,
          details: [details],
        });
      }
      try {
        return await call();
      } finally {
        // A released run's call, made or failed: the control workflow releases the next one.
        if (minVersion)
          await control()
            .signal(runProceededSignal, { workflowId, rule })
            .catch(() => undefined);
      }
    },
    view: () => current(),
    alarm: () => alarm,
  };
}
