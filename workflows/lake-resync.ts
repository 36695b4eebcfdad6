/**
 * The data-lake resync (`npm run linkage -- resync`): fills the holes a lake outage longer than the retry
 * window left. It walks a range of the bus page by page; each page is one activity (activities/lake-resync.ts)
 * that ingests the events' records, the current status of the documents their runs may have changed, and
 * resolves their open lake dead letters. Deterministic, no I/O: the cursor and counters live here, in the
 * `progress` query and in the memo (so a closed run still tells where it stopped), and are carried over by
 * continue-as-new. A cancel stops it between pages (the page in flight is cancelled and awaited); `resync
 * resume` starts a new run of the same workflow id from the cursor in the memo.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  defineQuery,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ResyncPageResult } from '../activities/lake-resync';
import type { ResyncRange } from '../activities/resync-range';
import { causeChain } from '../common/cause-chain';
import { zeroCounters, type ResyncCounters } from '../common/resync';
import type { RulePausedDetails } from '../common/rules';

export type { ResyncRange } from '../activities/resync-range';
export type { ResyncCounters } from '../common/resync';

export const LAKE_RESYNC_WORKFLOW = 'LakeResyncWorkflow';
/** The memo key holding the progress (a `ResyncProgress`). */
export const RESYNC_MEMO_KEY = 'lakeResync';
export const resyncProgressQuery = defineQuery<ResyncProgress>('progress');

/** Pages per run before it continues as new (or sooner, when the server suggests it). */
export const DEFAULT_PAGES_PER_RUN = 200;
/** How long a page (or the range's resolution) is retried before the resync fails (and can be resumed). */
export const DEFAULT_PAGE_RETRY_WINDOW_MS = 60 * 60 * 1000;
/** While the all-to-datalake rule is paused, how often the resync looks again. */
export const DEFAULT_PAUSE_CHECK_MS = 30 * 1000;

export interface LakeResyncInput {
  /** A bus seq (the first one re-ingested) or an ISO time (the first event the bus received at or after it). */
  from: string;
  /** A bus seq or an ISO time, inclusive; absent: the bus's newest seq when the resync starts. */
  to?: string;
  tenantId?: string;
  eventType?: string;
  /** Bus events read per page (1..1000). */
  pageSize: number;
  pagesPerRun?: number;
  pageRetryWindowMs?: number;
  pauseCheckMs?: number;
  /** Set by continue-as-new and by `resync resume`: where the previous run stopped. */
  carry?: ResyncCarry;
}

/** What one run hands the next. */
export interface ResyncCarry {
  range: ResyncRange;
  /** The last seq done: the next page reads after it. */
  cursor: number;
  pages: number;
  counters: ResyncCounters;
  /** When the first run of the resync started. */
  startedAt: string;
  /** Runs so far, this one excluded (continue-as-new and resumes). */
  runs: number;
  /** Set on a resume: the run it continues and how that one ended. */
  resumedFrom?: { runId: string; state: string };
}

export type ResyncState = 'resolving' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

/** The `progress` query's answer and the memo's `lakeResync` value. */
export interface ResyncProgress {
  state: ResyncState;
  from: string;
  to: string | null;
  tenantId: string | null;
  eventType: string | null;
  pageSize: number;
  /** The range as bus cursors, once resolved. */
  range: ResyncRange | null;
  /** The last seq done (null until the range is resolved). */
  cursor: number | null;
  pages: number;
  counters: ResyncCounters;
  runs: number;
  runId: string;
  startedAt: string;
  updatedAt: string;
  resumedFrom: { runId: string; state: string } | null;
  error: string | null;
  /** While state is `paused`: who paused the all-to-datalake rule, when and why (absent in older memos). */
  paused?: RulePausedDetails | null;
}

export async function LakeResyncWorkflow(input: LakeResyncInput): Promise<ResyncProgress> {
  const info = workflowInfo();
  const windowMs = input.pageRetryWindowMs ?? DEFAULT_PAGE_RETRY_WINDOW_MS;
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };
  const { resyncRange } = proxyActivities<Activities>({
    summary: 'Find the range on the bus',
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: windowMs,
    retry,
  });
  const { resyncPage } = proxyActivities<Activities>({
    summary: 'Re-ingest one bus page',
    startToCloseTimeout: '15 minutes',
    // The page heartbeats every second: a killed worker's page moves to another within seconds, and a cancel
    // reaches it at its next heartbeat.
    heartbeatTimeout: '20 seconds',
    scheduleToCloseTimeout: windowMs,
    retry,
    // A cancel waits for the page to stop, so nothing of a cancelled resync runs on after it closed.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  const carry = input.carry;
  const progress: ResyncProgress = {
    state: carry ? 'running' : 'resolving',
    from: input.from,
    to: input.to ?? null,
    tenantId: input.tenantId ?? null,
    eventType: input.eventType ?? null,
    pageSize: input.pageSize,
    range: carry?.range ?? null,
    cursor: carry?.cursor ?? null,
    pages: carry?.pages ?? 0,
    counters: { ...zeroCounters(), ...carry?.counters },
    runs: (carry?.runs ?? 0) + 1,
    runId: info.runId,
    startedAt: carry?.startedAt ?? new Date(info.startTime).toISOString(),
    updatedAt: new Date().toISOString(),
    resumedFrom: carry?.resumedFrom ?? null,
    error: null,
    paused: null,
  };
  setHandler(resyncProgressQuery, () => progress);
  const publish = (): void => {
    progress.updatedAt = new Date().toISOString();
    upsertMemo({ [RESYNC_MEMO_KEY]: progress });
    setCurrentDetails(render(progress));
  };
  publish();

  let continueAsNew = false;
  try {
    const range =
      progress.range ??
      (progress.range = await resyncRange({ from: input.from, to: input.to, tenantId: input.tenantId }));
    let cursor = progress.cursor ?? range.after;
    progress.cursor = cursor;
    progress.state = 'running';
    publish();
    let pagesThisRun = 0;
    while (cursor < range.toSeq) {
      if (pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested) {
        continueAsNew = true;
        break;
      }
      const page: ResyncPageResult = await resyncPage({
        after: cursor,
        toSeq: range.toSeq,
        limit: input.pageSize,
        tenantId: input.tenantId,
        eventType: input.eventType,
        workflowId: info.workflowId,
        runId: info.runId,
      });
      if (page.paused) {
        // Held, durably: the same page again once the rule is resumed (looked at every pauseCheckMs).
        if (progress.state !== 'paused') {
          progress.state = 'paused';
          progress.paused = page.paused;
          publish();
        }
        await sleep(input.pauseCheckMs ?? DEFAULT_PAUSE_CHECK_MS);
        continue;
      }
      if (progress.state === 'paused') {
        progress.state = 'running';
        progress.paused = null;
      }
      for (const k of Object.keys(page.counters) as (keyof ResyncCounters)[]) {
        progress.counters[k] += page.counters[k];
      }
      cursor = progress.cursor = page.nextAfter;
      progress.pages++;
      pagesThisRun++;
      publish();
      if (page.done) break;
    }
  } catch (err) {
    if (isCancellation(err)) {
      progress.state = 'cancelled';
      publish();
      throw err;
    }
    progress.state = 'failed';
    progress.error = causeChain(err);
    publish();
    throw ApplicationFailure.nonRetryable(
      `lake resync stopped at bus seq ${progress.cursor ?? '-'}: ${progress.error} (resume it with: resync resume ${info.workflowId})`,
      'LakeResyncFailed',
      { cursor: progress.cursor },
    );
  }

  if (continueAsNew) {
    const next: ResyncCarry = {
      range: progress.range!,
      cursor: progress.cursor!,
      pages: progress.pages,
      counters: progress.counters,
      startedAt: progress.startedAt,
      runs: progress.runs,
      ...(progress.resumedFrom ? { resumedFrom: progress.resumedFrom } : {}),
    };
    // The memo goes with it, so the new run shows the progress before its first task.
    const continueAs = makeContinueAsNewFunc<typeof LakeResyncWorkflow>({ memo: { [RESYNC_MEMO_KEY]: progress } });
    return continueAs({ ...input, carry: next });
  }
  progress.state = 'completed';
  publish();
  return progress;
}

/** The Web UI's current details: Markdown, one line per figure. */
function render(p: ResyncProgress): string {
  const c = p.counters;
  const range = p.range
    ? `bus seq ${p.range.after + 1} … ${p.range.toSeq}, cursor **${p.cursor ?? p.range.after}**`
    : 'range not resolved yet';
  const filters = [p.tenantId && `tenant ${p.tenantId}`, p.eventType && `type ${p.eventType}`].filter(Boolean);
  return [
    `Lake resync: **${p.state}**${p.error ? ` — ${p.error}` : ''}${p.paused ? ` — ${heldBy(p.paused)}` : ''}`,
    `- from ${p.from} to ${p.to ?? 'the head'}${filters.length ? ` (${filters.join(', ')})` : ''}: ${range}`,
    `- pages ${p.pages} (run ${p.runs}), events read ${c.read}, matched ${c.matched}, skipped ${c.skipped}`,
    `- records ingested ${c.ingested}, already there ${c.alreadyThere}`,
    `- status changes ingested ${c.statusIngested}, already there ${c.statusAlreadyThere}`,
    `- documents checked ${c.documentsChecked} (missing ${c.documentsMissing}), refused ${c.refused}`,
    `- dead letters resolved ${c.lettersResolved}`,
  ].join('\n');
}

/** Why a resync is held: the pause of its rule, as the CLI and the Web UI show it. */
export function heldBy(p: RulePausedDetails): string {
  return `held: ${p.rule} is paused by ${p.by} since ${p.at} (${p.reason}); it goes on once the rule is resumed`;
}
