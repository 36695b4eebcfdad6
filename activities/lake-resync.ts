/**
 * The activities of the data-lake resync (workflows/lake-resync.ts): where a range of the bus starts and ends,
 * and one page of it re-ingested. Every write is idempotent (lake records are keyed by eventId, status changes
 * by document and status, dead letters are resolved only while open), so a page retried, re-run after a
 * worker crash or run again by a later resync changes nothing more.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { RulePausedDetails } from '../common/rules';
import { zeroCounters, type ResyncCounters } from '../common/resync';
import type { HttpClient } from './http-client';
import type { RuleGuard } from './rule-guard';
import type { RuntimeCatalogue } from '../common/rule-extensions';
import { resolveResyncRange, type ResyncRange, type ResyncRangeInput } from './resync-range';
import { ResyncPage } from './resync-page';

/** The dead-letter steps of the lake ingests a linkage run gave up on (workflows/lake-ingest.ts). */
export const LAKE_LETTER_STEPS = ['datalake', 'datalake-status'] as const;

export interface ResyncPageInput {
  /** Read the events after this seq … */
  after: number;
  /** … up to this one (inclusive), at most `limit` of them. */
  toSeq: number;
  limit: number;
  tenantId?: string;
  eventType?: string;
  /** The resync's workflow id and run id: the status changes' `workflowId`, the letters' resolver, request ids. */
  workflowId: string;
  runId: string;
}

export interface ResyncPageResult {
  /** The cursor after this page: the last seq read, or `toSeq` once the range is done. */
  nextAfter: number;
  done: boolean;
  counters: ResyncCounters;
  /** Set when the all-to-datalake rule is paused: nothing was read or written, the page is to be done later. */
  paused?: RulePausedDetails;
}

/** The rule whose pause holds a resync. */
const LAKE_RULE = 'all-to-datalake' as const;

export function createLakeResyncActivities(
  gateway: HttpClient,
  datalake: HttpClient | null,
  lakeEnabled: boolean,
  guard: RuleGuard,
  catalogue: RuntimeCatalogue,
) {
  return {
    /** Resolves `--from` / `--to` to bus cursors (activities/resync-range.ts). */
    resyncRange(input: ResyncRangeInput): Promise<ResyncRange> {
      return resolveResyncRange(gateway, input);
    },

    /**
     * One page of the range: the events read, the matching ones' records ingested (batched per tenant, cell
     * and table), the documents their runs may have changed read from the cells and ingested as status
     * changes, then the open lake letters of those events resolved. Heartbeats; safe to run again.
     */
    async resyncPage(input: ResyncPageInput): Promise<ResyncPageResult> {
      if (!datalake || !lakeEnabled) {
        throw ApplicationFailure.nonRetryable(
          'this worker does not ingest into the data lake (DATALAKE_URL empty or LINK_ALL_TO_DATALAKE=0): nothing to resync with',
          'ResyncNotConfigured',
        );
      }
      // A paused all-to-datalake rule holds the resync too (the lake may be in maintenance): the page is left
      // for later, and the workflow waits.
      const rules = await guard.view();
      const paused = rules.rules.find((r) => r.rule === LAKE_RULE)?.paused;
      if (paused) {
        return {
          nextAfter: input.after,
          done: false,
          counters: zeroCounters(),
          paused: { rule: LAKE_RULE, version: rules.version, ...paused },
        };
      }
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      let stage = 'read';
      const heartbeat = setInterval(() => ctx.heartbeat({ after: input.after, stage }), 1000);
      try {
        ctx.heartbeat({ after: input.after, stage });
        const page = new ResyncPage(gateway, datalake, input, signal, catalogue);
        const result = await page.run((s) => (stage = s));
        ctx.log.info('lake resync page done', { after: input.after, nextAfter: result.nextAfter, ...result.counters });
        return result;
      } catch (err) {
        // A cancel aborts the page's calls; it ends as cancelled, not as a failure to retry.
        if (signal.aborted) throw new CancelledFailure('lake resync page cancelled');
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
