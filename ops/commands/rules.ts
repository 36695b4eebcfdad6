/**
 * `pause <rule>`, `resume <rule>` and `rules`: the operator's side of the rule-control workflow
 * (workflows/rule-control.ts). A pause holds every run at the paused rule's step, durably, until a resume
 * releases them in bus order at the given rate; nothing is skipped.
 */
import { readRuleControl } from '../../activities/rule-control-client';
import {
  isRuleName,
  ruleControlWorkflowId,
  RULES,
  RULE_TOGGLES,
  type RuleName,
  type RulesView,
} from '../../common/rules';
import { waitFor } from '../gateway-admin';
import {
  pauseRuleSignal,
  resumeRuleSignal,
  RuleControlWorkflow,
  RULE_CONTROL_SUMMARY,
} from '../../workflows/rule-control';
import type { OpsContext } from '../context';

export interface RuleCommandOptions {
  /** The workers' task queue: the control workflow runs there. */
  taskQueue: string;
  /** RULE_STATE_MAX_AGE_MS: how long workers may act on the state before the change (a pause waits it out). */
  settleMs: number;
}

/** A rule name or rate the operator mistyped: the CLI shows its usage (exit 2). */
export class RuleUsageError extends Error {}

export function ruleNameOf(v: string | undefined): RuleName {
  if (!v || !isRuleName(v)) throw new RuleUsageError(`give a rule: one of ${RULES.join(', ')}`);
  return v;
}

/** `--rate 10/s` or `--rate 10`: releases per second, > 0. */
export function rateOf(v: string | undefined, dflt = 10): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(v.trim());
  const rate = m ? Number(m[1]) : NaN;
  if (!(rate > 0) || rate > 1000)
    throw new RuleUsageError(`--rate ${v}: give releases per second, e.g. 10/s (0 < rate ≤ 1000)`);
  return rate;
}

const EMPTY: RulesView = {
  version: 0,
  rules: RULES.map((rule) => ({ rule, paused: null, resumed: null, held: 0, releasing: 0 })),
};

/** The rules as the control workflow holds them; all running when no rule was ever paused here. */
export async function listRules(ctx: OpsContext, taskQueue: string): Promise<RulesView> {
  return (await readRuleControl(ctx.client, taskQueue))?.view ?? EMPTY;
}

/**
 * Pauses a rule (starting the control workflow on first use) and returns once every worker acts on it:
 * the control workflow holds the pause and the workers' cached state has expired.
 */
export async function pauseRule(
  ctx: OpsContext,
  rule: RuleName,
  who: { by: string; reason: string },
  opts: RuleCommandOptions,
): Promise<RulesView> {
  const before = (await listRules(ctx, opts.taskQueue)).version;
  await ctx.client.workflow.signalWithStart(RuleControlWorkflow, {
    workflowId: ruleControlWorkflowId(opts.taskQueue),
    taskQueue: opts.taskQueue,
    args: [],
    signal: pauseRuleSignal,
    signalArgs: [{ rule, ...who }],
    staticSummary: RULE_CONTROL_SUMMARY,
  });
  const view = await inForce(ctx, opts.taskQueue, before, (v) => !!v.rules.find((r) => r.rule === rule)?.paused);
  await new Promise((r) => setTimeout(r, opts.settleMs));
  return view;
}

/** Resumes a rule: its held runs are released in bus order at `ratePerSec`. */
export async function resumeRule(
  ctx: OpsContext,
  rule: RuleName,
  who: { by: string; ratePerSec: number },
  taskQueue: string,
): Promise<RulesView> {
  const answer = await readRuleControl(ctx.client, taskQueue);
  const current = answer?.view ?? EMPTY;
  if (!answer || !current.rules.find((r) => r.rule === rule)?.paused) throw new Error(`rule ${rule} is not paused`);
  // During an upgrade the pause may still live in the previous control workflow: resumed there.
  await ctx.client.workflow.getHandle(answer.workflowId).signal(resumeRuleSignal, { rule, ...who });
  return inForce(ctx, taskQueue, current.version, (v) => !v.rules.find((r) => r.rule === rule)?.paused);
}

/** Waits for the control workflow to have taken the signal (a worker must be running). */
function inForce(
  ctx: OpsContext,
  taskQueue: string,
  before: number,
  done: (v: RulesView) => boolean,
): Promise<RulesView> {
  return waitFor(
    'the rule-control workflow to take the change (is a worker running?)',
    async () => {
      const v = await listRules(ctx, taskQueue);
      return v.version > before && done(v) && v;
    },
    60_000,
    200,
  );
}

export function formatRules(view: RulesView): string {
  const lines = view.rules.map((r) => {
    const toggle = RULE_TOGGLES[r.rule];
    if (r.paused) {
      return `${r.rule.padEnd(16)} PAUSED   by ${r.paused.by} at ${r.paused.at}: ${r.paused.reason} · ${r.held} runs held  (${toggle})`;
    }
    const resumed = r.resumed ? ` · resumed by ${r.resumed.by} at ${r.resumed.at} at ${r.resumed.ratePerSec}/s` : '';
    const releasing = r.held ? ` · releasing ${r.held} held runs` : '';
    return `${r.rule.padEnd(16)} running${resumed}${releasing}  (${toggle})`;
  });
  return lines.join('\n');
}
