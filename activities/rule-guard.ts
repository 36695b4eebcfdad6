/**
 * What a step's call checks first: is its rule paused? The answer comes from the rule-control workflow's
 * `rules` query (workflows/rule-control.ts), kept for `RULE_STATE_MAX_AGE_MS` per worker process and read
 * again when a released run names a newer state. A paused rule fails the call with a non-retryable
 * `RulePaused` failure that the run turns into a durable wait (workflows/linkage-run.ts), not an error.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ruleControlWorkflowId,
  RULE_PAUSED_FAILURE,
  type RuleName,
  type RulePausedDetails,
  type RulesView,
} from '../common/rules';
import { rulesQuery } from '../workflows/rule-control';

/** Set by the run on a step's call (never on a compensation): the step's rule, and the newest state it knows. */
export interface RuleGuardContext {
  rule?: RuleName;
  /** The rule-control state version the run was released under: an older cached state is read again. */
  minVersion?: number;
}

export interface RuleGuard {
  check(ctx: RuleGuardContext): Promise<void>;
  /** The state as last read (for the metrics' held-runs gauge). */
  view(): Promise<RulesView>;
}

const NO_RULES: RulesView = { version: 0, rules: [] };

export function createRuleGuard(client: Client | null, taskQueue: string, maxAgeMs: number): RuleGuard {
  let cached: RulesView = NO_RULES;
  let readAt = -Infinity;
  let reading: Promise<RulesView> | null = null;

  async function read(): Promise<RulesView> {
    if (!client) return NO_RULES;
    try {
      return await client.workflow.getHandle(ruleControlWorkflowId(taskQueue)).query(rulesQuery);
    } catch (err) {
      // No rule was ever paused in this namespace: nothing is.
      if (err instanceof WorkflowNotFoundError) return NO_RULES;
      throw err;
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

  return {
    async check({ rule, minVersion }) {
      if (!rule) return;
      const view = await current(minVersion);
      const paused = view.rules.find((r) => r.rule === rule)?.paused;
      if (!paused) return;
      const details: RulePausedDetails = { rule, version: view.version, ...paused };
      throw ApplicationFailure.create({
        type: RULE_PAUSED_FAILURE,
        message: `rule ${rule} is paused by ${paused.by} since ${paused.at}: ${paused.reason}`,
        nonRetryable: true,
        details: [details],
      });
    },
    view: () => current(),
  };
}
