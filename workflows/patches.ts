/**
 * The `patched()` ids of the linkage workflows, one per versioned change, oldest first. A run started
 * before a change replays on the old path; see docs/operations.md for how a patch is retired.
 */

/**
 * Issue 10, one live document per business source: compensation by source for a step cancelled or failed
 * in flight, the cascade to open approvals, a cancel while only the ingest is left, dead-letter trouble
 * that cannot leave a run "running".
 */
export const ONE_LIVE_DOCUMENT_PATCH = 'one-live-document';
