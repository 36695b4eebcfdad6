/** Every workflow the worker registers. */
export * from './linkages';
export { EventPollerWorkflow, cursorQuery, lanesQuery } from './poller';
export { TenantLaneWorkflow } from './tenant-lane';
export { stateQuery } from './linkage-run';
export { RuleControlWorkflow } from './rule-control';
export { LakeResyncWorkflow, resyncProgressQuery } from './lake-resync';
