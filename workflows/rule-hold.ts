/**
 * The rule pause seen from a run, through signals only (docs/failure-handling.md). A step's call that finds
 * its rule paused answers RulePaused; the guard has told the rule-control workflow, which acknowledges with
 * `runHeld` (the outcome then reads `paused`) and later sends `releaseRule`. Reacting to signals, never to a
 * local activity's result, keeps replay deterministic: local-activity results that came one by one are
 * replayed together, while signals keep their own workflow task.
 */
import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { RULE_PAUSED_FAILURE, type RuleName, type RulePausedDetails } from '../common/rules';
import { CodeVersion } from './patches';
import { runHeldSignal } from '../common/rule-signals';
import { releaseRuleSignal } from './rule-control';
import type { Outcome, StepStatus } from './types';

/** What the hold reads and shows of the run that owns it (workflows/linkage-run.ts). */
export interface HeldRun {
  readonly outcome: Outcome;
  /** What a held step lets go on meanwhile, besides its own `onHold`. */
  readonly whileHeld?: () => Promise<unknown>;
  since(version: CodeVersion): boolean;
  setStep(s: StepStatus): void;
  showOutcome(outcome: 'paused' | 'running'): void;
}

export class RuleHold {
  /** Per rule, the rule-control state version the run was released under (the `releaseRule` signal). */
  private readonly released = new Map<RuleName, number>();
  /** Rules the run's steps wait for, with the state version that paused them. */
  private readonly held = new Map<RuleName, number>();
  /** Rules whose hold the rule-control workflow acknowledged (`runHeld`), until released. */
  private readonly acknowledged = new Set<RuleName>();

  constructor(private readonly run: HeldRun) {}

  /** The state version the run was last released under for `rule`, if any. */
  releasedVersion(rule: RuleName): number | undefined {
    return this.released.get(rule);
  }

  listenForReleases(): void {
    // A signal and the RulePaused result may come in one activation, the signal handled first: each side
    // checks the other's state, so neither order loses the acknowledgement or the release.
    setHandler(runHeldSignal, ({ rule }) => {
      this.acknowledged.add(rule);
      this.showIfPaused(rule);
    });
    setHandler(releaseRuleSignal, ({ rule, version }) => {
      this.released.set(rule, Math.max(version, this.released.get(rule) ?? 0));
      if (this.run.outcome === 'paused' && [...this.held.keys()].every((r) => this.isReleased(r))) {
        this.run.showOutcome('running');
      }
    });
  }

  /** Released since it was held: a release under a newer state version than the hold's. */
  private isReleased(rule: RuleName): boolean {
    return (this.released.get(rule) ?? 0) > (this.held.get(rule) ?? Infinity);
  }

  /** Held, acknowledged by the control workflow and not yet released: the outcome reads `paused`. */
  private showIfPaused(rule: RuleName): void {
    if (this.run.outcome !== 'paused' && this.held.has(rule) && this.acknowledged.has(rule) && !this.isReleased(rule)) {
      this.run.showOutcome('paused');
    }
  }

  /**
   * Makes a step's call, holding while its rule is paused, then calls again once released. In the Web UI
   * the step reads `held`, with who paused the rule and why. `onHold` runs once, while the step waits.
   */
  async unlessHeld<T>(step: string, title: string, call: () => Promise<T>, onHold?: () => Promise<void>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        const p = this.run.since(CodeVersion.rulePause) ? pausedBy(err) : null;
        if (!p) throw err;
        this.held.set(p.rule, p.version);
        this.showIfPaused(p.rule);
        const detail = `rule ${p.rule} paused by ${p.by} at ${p.at}: ${p.reason}`;
        this.run.setStep({ name: step, title, state: 'held', detail });
        const first = onHold;
        onHold = undefined;
        if (first) await first();
        // The lake's own steps never wait for themselves.
        if (this.run.whileHeld && !step.startsWith('datalake')) await this.run.whileHeld();
        await condition(() => this.isReleased(p.rule));
        this.held.delete(p.rule);
        this.acknowledged.delete(p.rule);
        this.run.setStep({ name: step, title, state: 'running' });
      }
    }
  }
}

/** The pause a step's call ran into (a RulePaused failure from activities/rule-guard.ts), or null. */
function pausedBy(err: unknown): RulePausedDetails | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RULE_PAUSED_FAILURE) return null;
  return (cause.details?.[0] as RulePausedDetails | undefined) ?? null;
}
