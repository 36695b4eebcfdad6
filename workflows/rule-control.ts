/**
 * The rule-control workflow: one per deployment (`linkage-rule-control-<taskQueue>`), it holds which rules are paused
 * (who, when, why) and the runs waiting at a paused rule's step, and releases them in bus order at the
 * operator's rate once the rule is resumed. Being a workflow, the state is durable across worker and
 * Temporal restarts and shared by every worker; the linkage runs learn of it only through signals, and
 * the activities through a query, so no workflow does I/O.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import { rulesQuery, runHeldSignal, runProceededSignal } from '../common/rule-signals';
import { RULES, type HeldRun, type RuleName, type RulePause, type RulesView, type RuleStatus } from '../common/rules';

export const pauseRuleSignal = defineSignal<[{ rule: RuleName; by: string; reason: string }]>('pauseRule');
export const resumeRuleSignal = defineSignal<[{ rule: RuleName; by: string; ratePerSec: number }]>('resumeRule');
/** The whole state (paused rules and held runs), read to carry it over to the control workflow's new id. */
export const controlStateQuery = defineQuery<RuleControlState>('controlState');
/** The state of the previous control workflow (its old id), merged into this one on upgrade. */
export const adoptStateSignal = defineSignal<[{ state: RuleControlState; fromRunId: string }]>('adoptState');
/** To a linkage run: `rule` may go on; `version` is the control state it was released under. */
export const releaseRuleSignal = defineSignal<[{ rule: RuleName; version: number }]>('releaseRule');

export interface RuleControlState {
  version: number;
  paused: Partial<Record<RuleName, RulePause>>;
  resumed: Partial<Record<RuleName, { by: string; at: string; ratePerSec: number }>>;
  held: HeldRun[];
  /** Runs of the previous control workflow whose state this one took over (each is taken once). */
  adopted?: string[];
}

/** The control workflow's summary in the Web UI. */
export const RULE_CONTROL_SUMMARY = 'Linkage rules: which are paused, and the runs they hold';

/** How long a release waits for the released run's call before releasing the next one anyway. */
const PROCEED_WAIT = '30 seconds';
const DEFAULT_RATE_PER_SEC = 10;

export async function RuleControlWorkflow(state?: RuleControlState): Promise<void> {
  const s: RuleControlState = state ?? { version: 0, paused: {}, resumed: {}, held: [] };
  let releasing: HeldRun | null = null;
  let proceeded = false;

  /** 1 for the rule of the run being released until it made its call (then it holds nothing any more). */
  const inRelease = (rule: RuleName): number => (releasing?.rule === rule && !proceeded ? 1 : 0);
  const view = (): RulesView => ({
    version: s.version,
    rules: RULES.map((rule): RuleStatus => ({
      rule,
      paused: s.paused[rule] ?? null,
      resumed: s.resumed[rule] ?? null,
      held: s.held.filter((h) => h.rule === rule).length + inRelease(rule),
      releasing: inRelease(rule),
    })),
  });
  const render = () =>
    setCurrentDetails(
      [
        `Rules (state version ${s.version}):`,
        ...view().rules.map((r) =>
          r.paused
            ? `- **${r.rule}**: paused by ${r.paused.by} at ${r.paused.at}: ${r.paused.reason}; ${r.held} runs held`
            : `- **${r.rule}**: running${r.held ? `; releasing ${r.held} held runs` : ''}`,
        ),
      ].join('\n'),
    );

  setHandler(rulesQuery, view);
  setHandler(controlStateQuery, () => s);
  setHandler(adoptStateSignal, ({ state: old, fromRunId }) => {
    if (s.adopted?.includes(fromRunId)) return;
    adoptState(s, old);
    s.adopted = [...(s.adopted ?? []), fromRunId];
    log.info('rule state adopted', { fromRunId, paused: Object.keys(old.paused), held: old.held.length });
    render();
  });
  setHandler(pauseRuleSignal, ({ rule, by, reason }) => {
    s.version++;
    s.paused[rule] = { by, reason, at: new Date().toISOString() };
    log.info('rule paused', { rule, by, reason });
    render();
  });
  setHandler(resumeRuleSignal, ({ rule, by, ratePerSec }) => {
    s.version++;
    delete s.paused[rule];
    s.resumed[rule] = { by, at: new Date().toISOString(), ratePerSec };
    log.info('rule resumed', { rule, by, ratePerSec });
    render();
  });
  setHandler(runHeldSignal, (run) => {
    // The run being released is held again (its rule was paused again): it is back in the queue.
    if (releasing?.workflowId === run.workflowId && releasing.rule === run.rule) proceeded = true;
    // A run held again is one entry, not two.
    s.held = s.held.filter((h) => !(h.workflowId === run.workflowId && h.rule === run.rule));
    s.held.push(run);
    getExternalWorkflowHandle(run.workflowId)
      .signal(runHeldSignal, run)
      .catch((err: unknown) => log.warn('held run not told', { workflowId: run.workflowId, error: String(err) }));
    render();
  });
  setHandler(runProceededSignal, ({ workflowId, rule }) => {
    if (releasing?.workflowId === workflowId && releasing.rule === rule) {
      proceeded = true;
      render(); // current details only (no command): the count drops as soon as the call is made
    }
  });
  render();

  /** The held run of a running rule that comes first on the bus. */
  const next = (): HeldRun | undefined =>
    s.held.filter((h) => !s.paused[h.rule]).sort((a, b) => a.seq - b.seq || a.rule.localeCompare(b.rule))[0];

  for (;;) {
    await condition(() => next() !== undefined || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) break;
    const run = next()!;
    s.held = s.held.filter((h) => h !== run);
    releasing = run;
    proceeded = false;
    render();
    const rate = s.resumed[run.rule]?.ratePerSec ?? DEFAULT_RATE_PER_SEC;
    try {
      await getExternalWorkflowHandle(run.workflowId).signal(releaseRuleSignal, { rule: run.rule, version: s.version });
      // Bus order: the next run is released once this one made its call (or after a while, if it never does:
      // terminated meanwhile, or its worker is down), and no faster than the operator's rate.
      await Promise.all([condition(() => proceeded, PROCEED_WAIT), sleep(Math.ceil(1000 / rate))]);
    } catch (err) {
      // The run is gone (closed by an operator): nothing to release.
      log.warn('held run could not be released', { workflowId: run.workflowId, rule: run.rule, error: String(err) });
    }
    releasing = null;
    render();
  }
  // The history grows with every held run: start afresh with the state, once no signal is being handled.
  await condition(allHandlersFinished);
  await continueAsNew<typeof RuleControlWorkflow>(s);
}

/**
 * Merges the previous control workflow's state into `s`: its paused rules stay paused unless this one
 * resumed them since, and its held runs join the queue once each (released later in bus order).
 */
export function adoptState(s: RuleControlState, old: RuleControlState): void {
  s.version = Math.max(s.version, old.version) + 1;
  for (const rule of RULES) {
    const pause = old.paused[rule];
    if (pause && !s.paused[rule] && !s.resumed[rule]) s.paused[rule] = pause;
    const resumed = old.resumed[rule];
    if (resumed && !s.resumed[rule] && !s.paused[rule]) s.resumed[rule] = resumed;
  }
  for (const run of old.held) {
    if (!s.held.some((h) => h.workflowId === run.workflowId && h.rule === run.rule)) s.held.push(run);
  }
}
