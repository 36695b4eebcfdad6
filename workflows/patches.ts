/**
 * The `patched()` ids of the linkage workflows, one per versioned change, oldest first. A run started
 * before a change replays on the old path; see docs/operations.md for how a patch is retired. A new run
 * records only the newest id, which implies every older change (workflows/linkage-run.ts).
 */

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
