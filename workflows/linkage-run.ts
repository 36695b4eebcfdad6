/**
 * One linkage run's state and its step protocol (docs/failure-handling.md): the steps' states (the `state`
 * query), the search attributes, a step's call held while its rule is paused (`unlessHeld`, rule-hold.ts),
 * the documents it may make and how each is undone by its source, dead letters, and whether calls are local
 * activities (step-activities.ts). The skeleton that drives it: linkage-skeleton.ts; the data-lake side:
 * lake-ingest.ts.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  CancelledFailure,
  defineQuery,
  isCancellation,
  log,
  upsertSearchAttributes,
  workflowInfo,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallContext } from '../activities/cells';
import type { RuleGuardContext } from '../activities/rule-guard';
import { isRejection } from '../common/http-errors';
import { type DocumentStatusChange } from '../common/lake';
import {
  BUILTIN_CATALOGUE,
  businessKeysOf,
  documentSpec,
  ruleFor,
  ruleOfStep,
  type DocumentSpec,
  type LinkageRule,
} from '../common/catalogue';
import { LinkageBusinessKeys, LinkageOutcome } from '../common/search-attributes';
import { RULE_TOGGLE_FIELDS, RULE_TOGGLES, type RuleName } from '../common/rules';
import { linkageMetrics, live } from './linkage-metrics';
import { codeVersion, CodeVersion } from './patches';
import { RuleHold } from './rule-hold';
import { Saga } from './saga';
import { stepActivities, type StepActivityOverrides } from './step-activities';
import { describeError, StepFailed } from './step-failure';
import type { LinkageInput, LinkageResult, Outcome, StepStatus } from './types';

export const stateQuery = defineQuery<LinkageResult>('state');

type StepFn<T> = (acts: Activities, ctx: CallContext) => Promise<T>;
type UndoBySource = (acts: Activities, ctx: CallContext) => Promise<unknown>;

interface StepOptions<T> {
  /** The business key of what the step created, e.g. `erp:order:<id>`. */
  key?: (result: T) => string;
  /** How to undo the step if a later required step fails for good (or the run is cancelled). */
  undo?: (result: T, acts: Activities, ctx: CallContext) => Promise<unknown>;
  /**
   * How to undo the step when it did not return: cancelled or failed in flight, its call may still have
   * made the document, so whatever is live for its business source is compensated.
   */
  undoBySource?: UndoBySource;
  detail?: (result: T) => string;
  /** Run once if the step is held by its paused rule, before the run waits: what can go on meanwhile. */
  onHold?: () => Promise<void>;
}

export class LinkageRun {
  readonly steps: StepStatus[] = [];
  readonly saga = new Saga();
  private readonly keys: string[];
  /** How many keys the search attributes hold already (set by the starter, then by each upsert). */
  private keysAtStart: number;
  outcome: Outcome = 'running';
  /** The code version the run follows (workflows/patches.ts): older only when replaying a run started before. */
  readonly version: CodeVersion;
  /** Calls are local activities (false when replaying a run started before, or LINK_STEP_ACTIVITIES=regular). */
  readonly localCalls: boolean;
  /** The documents the run may make, by step: how to undo each by its business source (see `makes`). */
  private readonly mayMake = new Map<string, { title: string; undo: UndoBySource }>();
  /** What a held step lets go on meanwhile, besides its own `onHold`: the lake ingest's retries. */
  whileHeld?: () => Promise<unknown>;
  /** The status changes the run's steps and compensations made, for the data lake (see `ingestStatusChanges`). */
  readonly statusChanges: DocumentStatusChange[] = [];
  /** The steps held by their paused rules, and the signals that acknowledge and release them. */
  private readonly hold = new RuleHold(this);

  /**
   * The run's rule: as recorded in its input, or, for a run started before rules were recorded there, the
   * built-in rule of its event type (null: the event is only ingested).
   */
  readonly rule: LinkageRule | null;

  constructor(readonly input: LinkageInput) {
    this.rule = input.rule ?? ruleFor(BUILTIN_CATALOGUE, input.event.eventType);
    this.keys = businessKeysOf(this.rule, input.event.payload);
    this.keysAtStart = this.keys.length;
    this.version = codeVersion();
    this.localCalls = this.since(CodeVersion.localActivities) && input.stepActivities !== 'regular';
  }

  /** Does the run follow `version` (or a newer one)? */
  since(version: CodeVersion): boolean {
    return this.version >= version;
  }

  /** Keeps the status changes a call answered (activities/cells.ts `StatusChanges`), and passes its result on. */
  noteChanges<R>(result: R): R {
    const changes = (result as { changes?: unknown } | null)?.changes;
    if (Array.isArray(changes)) this.statusChanges.push(...(changes as DocumentStatusChange[]));
    return result;
  }

  /** A document kind the run's steps make: recorded with its rule, or built in. */
  documentSpec(kind: string): DocumentSpec {
    const recorded = this.input.documents?.[kind];
    return recorded ?? documentSpec(BUILTIN_CATALOGUE, kind);
  }

  /** Is a rule switched on for this run (its LINK_* toggle, as recorded in the input)? */
  ruleOn(rule: string): boolean {
    const field = RULE_TOGGLE_FIELDS[rule as RuleName];
    return field ? this.input.toggles[field] : false;
  }

  /** The LINK_* toggle of a rule, as the Web UI names it when a step is skipped. */
  toggleOf(rule: string): string {
    return RULE_TOGGLES[rule as RuleName] ?? rule;
  }

  get tenantId(): string {
    return this.input.event.tenantId;
  }

  /** X-Request-ID of a step: stable across retries and worker crashes, new for an operator's reset. */
  ctx(step: string): CallContext {
    const { workflowId, runId } = workflowInfo();
    return { tenantId: this.tenantId, requestId: `${workflowId}:${runId}:${step}`, ...this.ruleOf(step) };
  }

  /**
   * What a step's calls tell the rule guard (activities/rule-guard.ts): the step's rule, the run's bus seq
   * (held runs are released in bus order), and, once released, the state version it was released under.
   * Nothing for compensations, nor on runs started before the pause existed.
   */
  ruleOf(step: string): RuleGuardContext {
    const rule = this.since(CodeVersion.rulePause) ? ruleOfStep(this.rule, step) : undefined;
    if (!rule) return {};
    const released = this.hold.releasedVersion(rule);
    return { rule, step, seq: this.input.event.seq, ...(released ? { minVersion: released } : {}) };
  }

  /** Handles the rule-control signals: the pause seen from the run (rule-hold.ts). */
  listenForReleases(): void {
    this.hold.listenForReleases();
  }

  /** Makes a step's call, holding while its rule is paused, then calls again once released (rule-hold.ts). */
  unlessHeld<T>(step: string, title: string, call: () => Promise<T>, onHold?: () => Promise<void>): Promise<T> {
    return this.hold.unlessHeld(step, title, call, onHold);
  }

  /** The outcome shown while the run is open (`paused` / `running`): search attribute and details only. */
  showOutcome(outcome: 'paused' | 'running'): void {
    this.outcome = outcome;
    upsertSearchAttributes([{ key: LinkageOutcome, value: outcome }]);
    this.render();
  }

  /** The calls of one step, named by `summary` in the Web UI. */
  activities(summary: string, overrides: StepActivityOverrides = {}): Activities {
    return stepActivities(summary, this.input.retry, this.localCalls, overrides);
  }

  /**
   * Declares, before the run's first call, a document a step may make and how to undo it by its business
   * source; the step uses it as its `undoBySource`. With local activities an operator's cancel can discard
   * calls already made: the server refuses to close a run while a cancel is pending, so the workflow task
   * whose calls made the documents never reaches the history, and the task retried takes the cancel path
   * before those steps. A cancelled run therefore undoes every declared document by source, made or not.
   */
  makes(name: string, title: string, undo: UndoBySource): void {
    this.mayMake.set(name, { title, undo });
  }

  /** On a cancel: the declared documents of steps the history does not show undone, by source (see `makes`). */
  undoUnrecordedBySource(): void {
    for (const [name, { title, undo }] of this.mayMake) {
      if (this.saga.has(name) || this.steps.some((s) => s.name === name)) continue;
      this.setStep({ name, title, state: 'skipped', detail: 'cancelled before this step; undone by source' });
      this.saga.add(name, () => this.undoBySource(name, title, undo));
    }
  }

  private async undoBySource(name: string, title: string, undo: UndoBySource): Promise<void> {
    this.noteChanges(
      await undo(this.activities(`Compensate by source: ${title}`), this.ctx(`${name}:compensate-source`)),
    );
  }

  skip(name: string, title: string, reason: string): void {
    this.setStep({ name, title, state: 'skipped', detail: reason });
  }

  async step<T extends { id: string }>(
    name: string,
    title: string,
    fn: StepFn<T>,
    opts: StepOptions<T> = {},
  ): Promise<T> {
    this.setStep({ name, title, state: 'running' });
    const undoBySource = opts.undoBySource ?? this.mayMake.get(name)?.undo;
    // A create that an operator's cancel reaches in flight is awaited, so what it made is compensated.
    const awaitOnCancel = this.since(CodeVersion.oneLiveDocument) && !!(opts.undo || undoBySource);
    const acts = this.activities(
      title,
      awaitOnCancel ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {},
    );
    let result: T;
    try {
      result = this.noteChanges(await this.unlessHeld(name, title, () => fn(acts, this.ctx(name)), opts.onHold));
    } catch (err) {
      // An operator's cancel ends the step however its last attempt ended (a 503 after the cancel too).
      const cancelled = isCancellation(err) || (awaitOnCancel && CancellationScope.current().consideredCancelled);
      // Cancelled or failed without a definite "no" from the cell, the call may have made the document.
      if (this.since(CodeVersion.oneLiveDocument) && undoBySource && (cancelled || !isRejection(err))) {
        const undo = undoBySource;
        this.saga.add(name, () => this.undoBySource(name, title, undo));
      }
      if (cancelled) {
        this.setStep({ name, title, state: 'failed', detail: 'cancelled' });
        throw isCancellation(err) ? err : new CancelledFailure('cancelled by an operator while a step was in flight');
      }
      this.setStep({ name, title, state: 'failed', detail: describeError(err) });
      throw new StepFailed(name, err);
    }
    if (opts.undo) {
      const undo = opts.undo;
      this.saga.add(name, async () => {
        this.noteChanges(await undo(result, this.activities(`Compensate: ${title}`), this.ctx(`${name}:compensate`)));
      });
    }
    if (opts.key) this.addKeys(opts.key(result));
    this.setStep({ name, title, state: 'completed', detail: opts.detail?.(result) ?? `id ${result.id}` });
    // A step awaited through an operator's cancel: now the run stops, and its saga undoes the step.
    if (awaitOnCancel && CancellationScope.current().consideredCancelled) {
      throw new CancelledFailure('cancelled by an operator while a step was in flight');
    }
    return result;
  }

  /**
   * Keys of documents the run created. They reach the search attributes with the outcome, in one upsert:
   * each upsert is a history event and a visibility write, the dev server's most expensive operation.
   * Until then the run is found by the keys it started with (the event's own document).
   */
  addKeys(...keys: string[]): void {
    for (const k of keys) if (!this.keys.includes(k)) this.keys.push(k);
  }

  setOutcome(outcome: Outcome): void {
    this.outcome = outcome;
    const keysChanged = this.keys.length > this.keysAtStart;
    upsertSearchAttributes([
      { key: LinkageOutcome, value: outcome },
      ...(keysChanged ? [{ key: LinkageBusinessKeys, value: [...this.keys] }] : []),
    ]);
    this.keysAtStart = this.keys.length;
    this.render();
    if (live()) linkageMetrics.closed(this.input.event.eventType, outcome);
  }

  snapshot(): LinkageResult {
    return { outcome: this.outcome, businessKeys: [...this.keys], steps: this.steps.map((s) => ({ ...s })) };
  }

  /**
   * Posts a dead letter. On the one-live-document path a post that gives up is logged and returned as an
   * error message instead of thrown: the run still closes with its real outcome.
   */
  async deadLetter(step: string, reason: string, details?: Record<string, unknown>): Promise<string | null> {
    try {
      await this.postDeadLetter(step, reason, details);
      return null;
    } catch (err) {
      if (!this.since(CodeVersion.oneLiveDocument)) throw err;
      const error = describeError(err);
      log.error('dead letter could not be posted', { step, reason, error });
      return error;
    }
  }

  private async postDeadLetter(step: string, reason: string, details?: Record<string, unknown>): Promise<void> {
    const { workflowId, runId } = workflowInfo();
    const { event } = this.input;
    await CancellationScope.nonCancellable(() =>
      this.activities('Post dead letter').postDeadLetter({
        reason,
        workflowId,
        runId,
        eventId: event.eventId,
        eventType: event.eventType,
        tenantId: event.tenantId,
        step,
        businessKeys: [...this.keys],
        details,
      }),
    );
  }

  setStep(s: StepStatus): void {
    const i = this.steps.findIndex((x) => x.name === s.name);
    if (i >= 0) this.steps[i] = s;
    else this.steps.push(s);
    this.render();
  }

  /** Current details in the Web UI: one line per step. */
  private render(): void {
    const lines = this.steps.map((s) => `- **${s.title}**: ${s.state}${s.detail ? ` — ${s.detail}` : ''}`);
    setCurrentDetails([`Outcome: **${this.outcome}**`, ...lines].join('\n'));
  }
}
