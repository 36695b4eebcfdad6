/**
 * The code versions of the linkage run, oldest first, and the `patched()` id that marks each. Each
 * version keeps every change before it, so a run follows one number (`codeVersion`), not one flag per
 * change. A new run records only the newest marker; a run started before replays the version its marker
 * says. How an old version is retired (deprecatePatch, then removal):
 * docs/operations/changing-workflow-code.md.
 */
import { patched } from '@temporalio/workflow';

/**
 * One live document per business source: compensation by source for a step cancelled or failed
 * in flight, the cascade to open approvals, a cancel while only the ingest is left, dead-letter trouble
 * that cannot leave a run "running".
 */
export const ONE_LIVE_DOCUMENT_PATCH = 'one-live-document';

/**
 * A cheaper linkage: cell and data-lake calls as local activities (LINK_STEP_ACTIVITIES=local),
 * one marker event each instead of three events and a server dispatch per attempt.
 */
export const LOCAL_ACTIVITIES_PATCH = 'local-activities';

/**
 * The lifecycle reaches the data lake: the status changes a run makes (write-back, compensation,
 * approval withdrawn) are ingested into `<cell>/status_changes` once its steps are done.
 */
export const LAKE_LIFECYCLE_PATCH = 'lake-lifecycle';

/**
 * Rule pause: a step whose rule is paused holds the run (outcome `paused`) until the rule-control
 * workflow releases it; a held ERP order lets the contract's approval go first.
 */
export const RULE_PAUSE_PATCH = 'rule-pause';

/**
 * An approval that re-checks its source reads it in the create's own call (one local activity, not two);
 * the separate `source-check` step is left for a read that failed there.
 */
export const SOURCE_CHECK_IN_CREATE_PATCH = 'source-check-in-create';

export const CodeVersion = {
  /** Before any patch: compensation by returned id only. */
  original: 0,
  oneLiveDocument: 1,
  localActivities: 2,
  lakeLifecycle: 3,
  rulePause: 4,
  sourceCheckInCreate: 5,
} as const;
export type CodeVersion = (typeof CodeVersion)[keyof typeof CodeVersion];

/**
 * The version this run follows, read once at its start. The newest marker is asked first, so a run of
 * this code records one marker (a marker and a TemporalChangeVersion upsert each: a visibility write).
 */
export function codeVersion(): CodeVersion {
  if (patched(SOURCE_CHECK_IN_CREATE_PATCH)) return CodeVersion.sourceCheckInCreate;
  if (patched(RULE_PAUSE_PATCH)) return CodeVersion.rulePause;
  if (patched(LAKE_LIFECYCLE_PATCH)) return CodeVersion.lakeLifecycle;
  if (patched(LOCAL_ACTIVITIES_PATCH)) return CodeVersion.localActivities;
  if (patched(ONE_LIVE_DOCUMENT_PATCH)) return CodeVersion.oneLiveDocument;
  return CodeVersion.original;
}
