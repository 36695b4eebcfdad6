/** The poller's periodic info line (starter/poll-and-start.ts): what its pages did since the last one. */
import type { PollResult } from '../workflows/types';

/** How often the poller sums its pages up at info (each page is a debug line), when something happened. */
export const POLLER_SUMMARY_INTERVAL_MS = 30_000;

/**
 * The poller's info line: every POLLER_SUMMARY_INTERVAL_MS (at the first page after it), when events were
 * read or reads failed, what happened since the last one — events read, runs started, duplicates,
 * dead letters, failed reads, the cursor, and the lag: caught up (the last page was not full) or not, and
 * the age of the oldest event read (its occurredAt) when it was read.
 */
export function pollerSummary() {
  let since = Date.now();
  let sum = { pages: 0, read: 0, started: 0, duplicates: 0, deadLettered: 0, failedReads: 0 };
  let maxEventAgeMs: number | null = null;
  return {
    failed() {
      sum.failedReads++;
    },
    page(
      result: PollResult,
      eventAgeMs: number | null,
      log: { info(message: string, meta?: Record<string, unknown>): void },
      { caughtUp = true }: { caughtUp?: boolean } = {},
    ) {
      sum.pages++;
      sum.read += result.read;
      sum.started += result.started;
      sum.duplicates += result.duplicates;
      sum.deadLettered += result.deadLettered ?? 0;
      if (eventAgeMs !== null) maxEventAgeMs = Math.max(maxEventAgeMs ?? 0, eventAgeMs);
      const now = Date.now();
      if (now - since < POLLER_SUMMARY_INTERVAL_MS) return;
      if (sum.read || sum.failedReads) {
        const lag = caughtUp ? 'caught up' : 'behind (the last page was full)';
        log.info(
          `bus poller: ${sum.read} events read, ${sum.started} runs started in the last ${Math.round((now - since) / 1000)} s; ${lag}`,
          { ...sum, cursor: result.nextAfter, caughtUp, ...(maxEventAgeMs !== null ? { maxEventAgeMs } : {}) },
        );
      }
      since = now;
      sum = { pages: 0, read: 0, started: 0, duplicates: 0, deadLettered: 0, failedReads: 0 };
      maxEventAgeMs = null;
    },
  };
}
