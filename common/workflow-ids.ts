/**
 * Every workflow id the product uses (pure, workflow-safe). Linkage runs are `linkage-<eventId>`: event ids
 * are unique on the bus across tenants, so one event is one run, and the id stays what operators search by.
 * Every other workflow the product owns starts with `paas-linkage:`, which no `linkage-…` string can be:
 * an event id can no longer take the poller's or the rule control's id.
 */
import { boundedId } from './bounded';

export const LINKAGE_PREFIX = 'linkage-';
export const OWNED_PREFIX = 'paas-linkage:';

/** One event, one workflow id, ever: a re-read or a second worker cannot start a second run. */
export function linkageWorkflowId(eventId: string): string {
  return `${LINKAGE_PREFIX}${eventId}`;
}

export function pollerWorkflowId(taskQueue: string): string {
  return `${OWNED_PREFIX}poller:${taskQueue}`;
}

/**
 * The intake lanes of one tenant (workflows/tenant-lane.ts), one per hand-over: `<prefix><from>`, the bus seq
 * the lane starts after. The prefix finds a tenant's lanes (`WorkflowId STARTS_WITH`); the tenant id is
 * bounded, keeping distinct ids distinct.
 */
export function tenantLanePrefix(taskQueue: string, tenantId: string): string {
  return `${OWNED_PREFIX}poller:${taskQueue}:tenant:${boundedId(tenantId, 120)}:from-`;
}

export function tenantLaneWorkflowId(taskQueue: string, tenantId: string, from: number): string {
  return `${tenantLanePrefix(taskQueue, tenantId)}${from}`;
}

const INTAKE_QUEUE_PREFIX = `${OWNED_PREFIX}intake:`;

/**
 * The task queue of the intake (the poller and the lanes), beside the linkage runs' own: its workflow tasks and
 * bus reads have slots of their own in every worker, so a backlog of runs holding every slot of the run queue
 * never delays the read that starts another tenant's run. Owned, like the ids: no configured queue is it.
 */
export function intakeTaskQueue(taskQueue: string): string {
  return `${INTAKE_QUEUE_PREFIX}${taskQueue}`;
}
export function isIntakeTaskQueue(taskQueue: string): boolean {
  return taskQueue.startsWith(INTAKE_QUEUE_PREFIX);
}

export function ruleControlWorkflowId(taskQueue: string): string {
  return `${OWNED_PREFIX}rule-control:${taskQueue}`;
}

/** A resync's id from its parameters (already reduced to safe characters), at most 200 characters. */
export function resyncWorkflowIdOf(key: string): string {
  return boundedId(`${OWNED_PREFIX}resync:${key}`, 200);
}

/** Could this id be an event's linkage run? Owned workflows must never be. */
export function isLinkageSpace(workflowId: string): boolean {
  return workflowId.startsWith(LINKAGE_PREFIX);
}

/** The ids of the previous version, read only to carry state over on upgrade. */
export function legacyPollerWorkflowId(taskQueue: string): string {
  return `linkage-event-poller-${taskQueue}`;
}

export function legacyRuleControlWorkflowId(taskQueue: string): string {
  return `linkage-rule-control-${taskQueue}`;
}
