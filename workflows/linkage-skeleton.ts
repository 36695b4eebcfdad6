/**
 * The skeleton every linkage workflow shares (docs/failure-handling.md): validate the payload, run the
 * rule's steps under a saga with the event's lake ingest beside them, and on a failure for good compensate,
 * post a dead letter and fail with the reason. The per-run state and the step protocol: linkage-run.ts.
 */
import { ApplicationFailure, CancellationScope, isCancellation, log, setHandler } from '@temporalio/workflow';
import { CodeVersion } from './patches';
import type { LinkageInput, LinkageResult, Outcome } from './types';

import { ingestBeside, ingestStatusChanges, retryIngestAfterSteps, type IngestState } from './lake-ingest';
import { linkageMetrics, live } from './linkage-metrics';
import { LinkageRun, stateQuery } from './linkage-run';
import { describeError, FAILURE_TYPES, StepFailed } from './step-failure';

/** What a rule does once its payload checked out: its steps. */
export type LinkageBody = (run: LinkageRun) => Promise<void>;

export async function runLinkage(input: LinkageInput, body: LinkageBody): Promise<LinkageResult> {
  const run = new LinkageRun(input);
  setHandler(stateQuery, () => run.snapshot());
  run.listenForReleases();
  if (live()) linkageMetrics.started(input.event.eventType);
  if (!run.since(CodeVersion.oneLiveDocument)) return linkageSteps(run, body);
  try {
    return await linkageSteps(run, body);
  } catch (err) {
    // Whatever escaped (a cancel, a bug), a closed run never stays "running" in the Web UI.
    if (run.outcome === 'running') run.setOutcome(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}

async function linkageSteps(run: LinkageRun, body: LinkageBody): Promise<LinkageResult> {
  const { input } = run;
  const { eventType } = input.event;
  // 1. The payload, checked against the event contract: a bad one fails this run only, naming the field.
  if (run.rule) {
    const problems = input.payloadProblems ?? checkPayloadInWorkflow(input);
    if (problems.length) {
      const reason = `invalid ${eventType} payload: ${problems.join('; ')}`;
      run.setStep({ name: 'validate', title: 'Validate payload', state: 'failed', detail: reason });
      run.setOutcome('invalid');
      const dlqError = await run.deadLetter('validate', reason, { fields: problems });
      throw ApplicationFailure.nonRetryable(withDlqError(reason, dlqError), FAILURE_TYPES.invalidPayload, {
        fields: problems,
      });
    }
  }

  // 2. Data-lake ingest runs beside the linkage: its trouble never blocks or fails the other steps.
  const ingest = ingestBeside(run);
  // Awaited later, but it may reject first (a cancel reaches it while the body is still compensating): an
  // unhandled rejection would fail the workflow task over and over. Marked handled here; `await` still throws.
  ingest.catch(() => undefined);
  // Its retries, if any, once nothing else is in flight: after the steps, or while a step is held.
  let retried: Promise<boolean> | undefined;
  const retryIngest = () => (retried ??= ingest.then((state) => retryIngestAfterSteps(run, state)));
  if (run.since(CodeVersion.lakeLifecycle)) run.whileHeld = retryIngest;

  // 3. The required steps, under the saga. On the one-live-document path the ingest is awaited inside
  //    too: an operator's cancel while only the ingest is left compensates like any other cancel.
  let ingested = true;
  try {
    await body(run);
    if (run.since(CodeVersion.lakeLifecycle)) {
      // Once the steps are done: the ingest's retries, if its first attempt failed, then the status changes.
      const event = await retryIngest();
      ingested = (await ingestStatusChanges(run)) && event;
    } else if (run.since(CodeVersion.oneLiveDocument)) ingested = (await ingest) === true; // never 'retry' on the older paths
  } catch (err) {
    const cancelled = isCancellation(err);
    const failedStep =
      err instanceof StepFailed
        ? err.step
        : cancelled && run.since(CodeVersion.oneLiveDocument)
          ? 'cancel'
          : 'workflow';
    const reason = cancelled ? 'cancelled by an operator' : describeError(err instanceof StepFailed ? err.error : err);
    log.warn('linkage failed, compensating', { step: failedStep, reason, cancelled });
    if (cancelled && run.localCalls) run.undoUnrecordedBySource();
    const report = await run.saga.compensate((step, ok, error) => {
      const s = run.steps.find((x) => x.name === step);
      if (s) run.setStep({ ...s, state: ok ? 'compensated' : 'compensation_failed', detail: error ?? s.detail });
    });
    run.setOutcome(closedOutcome(run, cancelled, report.compensated.length > 0, report.failed.length > 0));
    const compensation = report.failed.length
      ? ` Compensation FAILED for ${report.failed.map((f) => `${f.step} (${f.error})`).join(', ')}: fix by hand.`
      : report.compensated.length
        ? ` Compensated: ${report.compensated.join(', ')}.`
        : '';
    const message = `${failedStep} failed: ${reason}.${compensation}`;
    const dlqError = await run.deadLetter(failedStep, message, {
      compensated: report.compensated,
      compensationFailed: report.failed,
    });
    if (run.since(CodeVersion.lakeLifecycle)) {
      await CancellationScope.nonCancellable(async () => {
        // Not retried yet, or its retries cut short by the cancel: once more (one attempt after a cancel).
        const state: IngestState = await ingest.catch(() => false);
        const done = retried ? await retried.catch(() => state) : state;
        await retryIngestAfterSteps(run, done, { cancelled });
        await ingestStatusChanges(run, { cancelled });
      });
    } else if (run.since(CodeVersion.oneLiveDocument))
      await CancellationScope.nonCancellable(() => ingest.catch(() => false));
    else await CancellationScope.nonCancellable(() => ingest);
    if (cancelled) throw err;
    throw ApplicationFailure.nonRetryable(withDlqError(message, dlqError), FAILURE_TYPES.linkageFailed, {
      step: failedStep,
      compensated: report.compensated,
    });
  }

  if (!run.since(CodeVersion.oneLiveDocument)) ingested = (await ingest) === true;
  const acted = run.steps.some((s) => s.state === 'completed');
  run.setOutcome(!ingested ? 'partial' : acted ? 'completed' : 'skipped');
  return run.snapshot();
}

/** How a run that did not succeed closes: an operator's cancel is `cancelled` once everything is undone. */
function closedOutcome(
  run: LinkageRun,
  cancelled: boolean,
  compensated: boolean,
  compensationFailed: boolean,
): Outcome {
  if (run.since(CodeVersion.oneLiveDocument) && cancelled) return compensationFailed ? 'failed' : 'cancelled';
  return compensated && !compensationFailed ? 'compensated' : 'failed';
}

const withDlqError = (message: string, dlqError: string | null): string =>
  dlqError ? `${message} (the dead letter could not be posted: ${dlqError})` : message;

/**
 * A run started before the starter checked payloads (its input has no `payloadProblems`) checks here, with
 * the same schemas. Required only then: zod and the schemas are built again for every workflow that loads
 * them, which made up a tenth of the worker's workflow CPU (docs/benchmark.md).
 */
function checkPayloadInWorkflow(input: LinkageInput): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on this path only (see above)
  const { payloadProblems } = require('../common/events') as typeof import('../common/events');
  return payloadProblems(input.event);
}
