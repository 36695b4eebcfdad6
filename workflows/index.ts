/** Every workflow the worker registers. */
export * from './linkages';
export { EventPollerWorkflow, cursorQuery } from './poller';
export { stateQuery } from './linkage-run';
export { RuleControlWorkflow } from './rule-control';
export { LakeResyncWorkflow, resyncProgressQuery } from './lake-resync';
