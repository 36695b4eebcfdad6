/**
 * The data-lake side of a run: the event's ingest beside the steps (its trouble never blocks or fails them)
 * and, once the steps are done, the status changes they made.
 */
import { isCancellation, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isRejection } from '../common/http-errors';
import { eventIngest, statusChangeIngests } from '../common/lake';
import { CodeVersion } from './patches';

import type { LinkageRun } from './linkage-run';
import { describeError } from './step-failure';

/** The event's ingest beside the steps: ingested (or not asked for), given up, or to be retried after them. */
export type IngestState = boolean | 'retry';

const INGEST_TITLE = 'Ingest into the data lake';

/** A lake call that is not retried here: beside the steps (retried after them), or after an operator's cancel. */
const ONE_ATTEMPT = { retry: { maximumAttempts: 1 } };

/**
 * The event's ingest, beside the run's steps: its trouble never blocks or fails them. On the lake-lifecycle
 * path it makes one attempt here and, if that fails for a reason worth retrying, its retries wait until the
 * steps are done (`retryIngestAfterSteps`). Why: a command issued in reaction to a local activity's result
 * (a retry's timer, the outcome's upsert) while another local activity is in flight can come out in another
 * order on replay, since results that arrived one by one are replayed together (test/linkage/
 * replay-beside.test.ts). One attempt issues no command, whatever it answers.
 */
export async function ingestBeside(run: LinkageRun): Promise<IngestState> {
  const title = INGEST_TITLE;
  if (!run.input.toggles.allToDatalake) {
    run.skip('datalake', title, 'LINK_ALL_TO_DATALAKE=0 or DATALAKE_URL empty');
    return true;
  }
  run.setStep({ name: 'datalake', title, state: 'running' });
  const once = run.since(CodeVersion.lakeLifecycle) ? ONE_ATTEMPT : {};
  try {
    await ingestEvent(run, run.activities(title, once));
    return true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    if (run.since(CodeVersion.lakeLifecycle) && !isRejection(err)) {
      run.setStep({
        name: 'datalake',
        title,
        state: 'running',
        detail: `retried after the steps: ${describeError(err)}`,
      });
      return 'retry';
    }
    return ingestGaveUp(run, err);
  }
}

/** The ingest's retries, once the steps are done (one attempt more after an operator's cancel). */
export async function retryIngestAfterSteps(
  run: LinkageRun,
  state: IngestState,
  { cancelled = false } = {},
): Promise<boolean> {
  if (state !== 'retry') return state;
  try {
    await ingestEvent(run, run.activities(INGEST_TITLE, cancelled ? ONE_ATTEMPT : {}));
    return true;
  } catch (err) {
    // An operator's cancel while only these retries are left: the run compensates like any other cancel.
    if (isCancellation(err)) throw err;
    return ingestGaveUp(run, err);
  }
}

async function ingestEvent(run: LinkageRun, acts: Activities): Promise<void> {
  const request = eventIngest(run.input.event);
  const result = await run.unlessHeld('datalake', INGEST_TITLE, () =>
    acts.ingestRecords(request, run.ruleOf('datalake')),
  );
  const detail = `${request.cellId}/${request.table}, ${result.inserted} new`;
  run.setStep({ name: 'datalake', title: INGEST_TITLE, state: 'completed', detail });
}

async function ingestGaveUp(run: LinkageRun, err: unknown): Promise<false> {
  const { cellId, table } = eventIngest(run.input.event);
  const reason = `data-lake ingest into ${cellId}/${table} gave up: ${describeError(err)}`;
  run.setStep({ name: 'datalake', title: INGEST_TITLE, state: 'failed', detail: reason });
  await run.deadLetter('datalake', reason);
  return false;
}

/**
 * Ingests the status changes the run made into `<cell>/status_changes`, one call per cell, keyed per
 * (document, status) so a retry is a no-op. Like the event's ingest, its trouble never fails the run: it
 * leaves a dead letter (step `datalake-status`) that `resync` resolves. Resolves false when it gave up.
 * After an operator's cancel it makes one attempt, never held by a paused rule: the event's own ingest is
 * cancelled at once, and a cancelled run does not stay open for the lake either.
 */
export async function ingestStatusChanges(run: LinkageRun, { cancelled = false } = {}): Promise<boolean> {
  const { event, toggles } = run.input;
  if (!toggles.allToDatalake) return true;
  const ingests = statusChangeIngests(event.tenantId, run.statusChanges, {
    by: 'linkage',
    workflowId: workflowInfo().workflowId,
  });
  const count = ingests.reduce((n, i) => n + i.records.length, 0);
  if (!count) return true;
  const name = 'datalake-status';
  const title = 'Ingest status changes into the data lake';
  run.setStep({ name, title, state: 'running' });
  try {
    const acts = run.activities(title, cancelled ? ONE_ATTEMPT : {});
    // One cell after the other: two local activities in flight could replay in another order (see ingestBeside).
    const results = await run.unlessHeld(name, title, async () => {
      const answers = [];
      for (const i of ingests) answers.push(await acts.ingestRecords(i, cancelled ? {} : run.ruleOf(name)));
      return answers;
    });
    const inserted = results.reduce((n, r) => n + r.inserted, 0);
    run.setStep({ name, title, state: 'completed', detail: `${count} status changes, ${inserted} new` });
    return true;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const tables = ingests.map((i) => `${i.cellId}/${i.table}`).join(', ');
    const reason = `data-lake ingest of ${count} status changes into ${tables} gave up: ${describeError(err)}`;
    run.setStep({ name, title, state: 'failed', detail: reason });
    await run.deadLetter(name, reason, { changes: run.statusChanges });
    return false;
  }
}
