/**
 * One linkage run's state and its step protocol (docs/failure-handling.md): the steps' states (the `state`
 * query), the search attributes, a step's call held while its rule is paused (`unlessHeld`), the documents
 * it may make and how each is undone by its source, dead letters, and whether calls are local activities.
 * The skeleton that drives it: linkage-skeleton.ts; the data-lake side: lake-ingest.ts.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  setCurrentDetails,
  type ActivityOptions,
  type Sinks,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallContext } from '../activities/cells';
import type { RuleGuardContext } from '../activities/rule-guard';
import { causeChain } from '../common/cause-chain';
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
import {
  RULE_PAUSED_FAILURE,
  RULE_TOGGLE_FIELDS,
  RULE_TOGGLES,
  type RuleName,
  type RulePausedDetails,
} from '../common/rules';
import { codeVersion, CodeVersion } from './patches';
import { releaseRuleSignal, runHeldSignal } from './rule-control';
import { Saga } from './saga';
import type { LinkageInput, LinkageResult, Outcome, StepStatus } from './types';

export const stateQuery = defineQuery<LinkageResult>('state');

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

export const FAILURE_TYPES = {
  invalidPayload: 'InvalidEventPayload',
  linkageFailed: 'LinkageFailed',
} as const;

/**
 * A local activity whose next backoff is longer than this waits on a server timer instead of in the worker.
 * Below the first backoff (1 s), so every retry does: each failed attempt is a marker with its failure in
 * the history, and each retry is scheduled again with its first schedule time, which is what enforces the
 * retry window (SDK 1.24 does not end a local activity at its scheduleToClose while it backs off in the
 * worker: test/linkage/repair.test.ts, the dead letter that cannot be posted). The first attempt stays local: the cost of a call
 * that succeeds is one marker.
 */
const LOCAL_RETRY_THRESHOLD = '500 milliseconds';

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
  /** Per rule, the rule-control state version the run was released under (the `releaseRule` signal). */
  private readonly released = new Map<RuleName, number>();
  /** Rules the run's steps wait for, with the state version that paused them. */
  private readonly held = new Map<RuleName, number>();
  /** Rules whose hold the rule-control workflow acknowledged (`runHeld`), until released. */
  private readonly acknowledged = new Set<RuleName>();
  /** What a held step lets go on meanwhile, besides its own `onHold`: the lake ingest's retries. */
  whileHeld?: () => Promise<unknown>;
  /** The status changes the run's steps and compensations made, for the data lake (see `ingestStatusChanges`). */
  readonly statusChanges: DocumentStatusChange[] = [];

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
    const released = this.released.get(rule);
    return { rule, step, seq: this.input.event.seq, ...(released ? { minVersion: released } : {}) };
  }

  /**
   * The rule pause seen from the run, through signals only. A step's call that finds its rule paused
   * answers RulePaused; the guard has told the rule-control workflow, which acknowledges with `runHeld`
   * (the outcome then reads `paused`) and later sends `releaseRule`. Reacting to signals, never to a local
   * activity's result, keeps replay deterministic: local-activity results that came one by one are
   * replayed together, while signals keep their own workflow task.
   */
  listenForReleases(): void {
    // A signal and the RulePaused result may come in one activation, the signal handled first: each side
    // checks the other's state, so neither order loses the acknowledgement or the release.
    setHandler(runHeldSignal, ({ rule }) => {
      this.acknowledged.add(rule);
      this.showIfPaused(rule);
    });
    setHandler(releaseRuleSignal, ({ rule, version }) => {
      this.released.set(rule, Math.max(version, this.released.get(rule) ?? 0));
      if (this.outcome === 'paused' && [...this.held.keys()].every((r) => this.isReleased(r))) {
        this.showOutcome('running');
      }
    });
  }

  /** Released since it was held: a release under a newer state version than the hold's. */
  private isReleased(rule: RuleName): boolean {
    return (this.released.get(rule) ?? 0) > (this.held.get(rule) ?? Infinity);
  }

  /** Held, acknowledged by the control workflow and not yet released: the outcome reads `paused`. */
  private showIfPaused(rule: RuleName): void {
    if (this.outcome !== 'paused' && this.held.has(rule) && this.acknowledged.has(rule) && !this.isReleased(rule)) {
      this.showOutcome('paused');
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
        const p = this.since(CodeVersion.rulePause) ? pausedBy(err) : null;
        if (!p) throw err;
        this.held.set(p.rule, p.version);
        this.showIfPaused(p.rule);
        const detail = `rule ${p.rule} paused by ${p.by} at ${p.at}: ${p.reason}`;
        this.setStep({ name: step, title, state: 'held', detail });
        const first = onHold;
        onHold = undefined;
        if (first) await first();
        // The lake's own steps never wait for themselves.
        if (this.whileHeld && !step.startsWith('datalake')) await this.whileHeld();
        await condition(() => this.isReleased(p.rule));
        this.held.delete(p.rule);
        this.acknowledged.delete(p.rule);
        this.setStep({ name: step, title, state: 'running' });
      }
    }
  }

  /** The outcome shown while the run is open (`paused` / `running`): search attribute and details only. */
  private showOutcome(outcome: 'paused' | 'running'): void {
    this.outcome = outcome;
    upsertSearchAttributes([{ key: LinkageOutcome, value: outcome }]);
    this.render();
  }

  /** The calls of one step, named by `summary` in the Web UI. */
  activities(
    summary: string,
    overrides: { cancellationType?: ActivityCancellationType; retry?: ActivityOptions['retry'] } = {},
  ): Activities {
    const r = this.input.retry;
    const options: ActivityOptions = {
      summary,
      startToCloseTimeout: r.httpTimeoutMs + 5_000,
      // The retry window (docs/failure-handling.md): transient failures retry with backoff until it closes.
      scheduleToCloseTimeout: r.windowMs,
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: r.maxIntervalMs },
      ...overrides,
    };
    return this.localCalls
      ? proxyLocalActivities<Activities>({ ...options, localRetryThreshold: LOCAL_RETRY_THRESHOLD })
      : proxyActivities<Activities>(options);
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

/** The pause a step's call ran into (a RulePaused failure from activities/rule-guard.ts), or null. */
function pausedBy(err: unknown): RulePausedDetails | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RULE_PAUSED_FAILURE) return null;
  return (cause.details?.[0] as RulePausedDetails | undefined) ?? null;
}
