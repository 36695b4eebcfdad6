/**
 * The lake resync's counters, shared by its workflow (workflows/lake-resync.ts), which sums them over the
 * pages, and its page activity (activities/lake-resync.ts), which counts one page. A workflow-safe contract.
 */
export interface ResyncCounters {
  /** Bus events read in the range. */
  read: number;
  /** Of the tenant and type asked for. */
  matched: number;
  /** Malformed or with an invalid payload: a linkage never ingests those either. */
  skipped: number;
  /** Event records the lake did not have (holes filled). */
  ingested: number;
  /** Event records the lake had already. */
  alreadyThere: number;
  /** Status-change records the lake did not have / had already. */
  statusIngested: number;
  statusAlreadyThere: number;
  /** Documents read from the cells. */
  documentsChecked: number;
  /** Documents answered 404 (skipped). */
  documentsMissing: number;
  /** Records or documents refused for good (a 4xx): the letters of their events stay open. */
  refused: number;
  /** Open dead letters (steps `datalake`, `datalake-status`) of the page's events resolved. */
  lettersResolved: number;
}

/** Every counter at zero: a page's start, a resync's start. */
export function zeroCounters(): ResyncCounters {
  return {
    read: 0,
    matched: 0,
    skipped: 0,
    ingested: 0,
    alreadyThere: 0,
    statusIngested: 0,
    statusAlreadyThere: 0,
    documentsChecked: 0,
    documentsMissing: 0,
    refused: 0,
    lettersResolved: 0,
  };
}
