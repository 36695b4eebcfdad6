/**
 * How one bus event becomes one workflow: its type by event type, its id from the eventId (so a second
 * start is refused, ever), its tenant's fairness key, its search attributes and a readable summary for the
 * Web UI.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { bounded } from '../common/bounded';
import { payloadProblems, type BusEvent } from '../common/events';
import { fairnessKeyOf } from '../common/fairness';
import type { Config } from '../common/config';
import { businessKeysOf, documentSpec, ruleFor, workflowTypeOf, BUILTIN_CATALOGUE } from '../common/catalogue';
import { linkageWorkflowId } from '../common/linkage';
import {
  LinkageBusinessKeys,
  LinkageEventId,
  LinkageEventType,
  LinkageOutcome,
  LinkageTenant,
} from '../common/search-attributes';
import type { LinkageInput } from '../workflows/types';

/** A run's input: the event, the settings in force, and its rule as the catalogue has it now. */
export function linkageInput(config: Config, event: BusEvent): LinkageInput {
  const { catalogue, payloadSchemas } = config.rules;
  const rule = ruleFor(catalogue, event.eventType);
  // The kinds its steps make that the workflows do not have built in.
  const added = (rule?.steps ?? []).map((s) => s.creates).filter((k) => !(k in BUILTIN_CATALOGUE.documents));
  return {
    event,
    toggles: { ...config.toggles },
    retry: { ...config.retry },
    stepActivities: config.stepActivities,
    payloadProblems: payloadProblems(event, payloadSchemas),
    ...(rule ? { rule } : {}),
    ...(added.length ? { documents: Object.fromEntries(added.map((k) => [k, documentSpec(catalogue, k)])) } : {}),
  };
}

/**
 * The start of the event's workflow: its type and options (id, search attributes, fairness key, summary).
 * `eager`: ask the server to hand the first workflow task straight back (the client must be on a worker's
 * NativeConnection, as the poller's is): one matching round trip less per linkage.
 */
export function linkageStart(
  config: Config,
  event: BusEvent,
  { eager = false }: { eager?: boolean } = {},
): { workflowType: string; options: WorkflowStartOptions } {
  const rule = ruleFor(config.rules.catalogue, event.eventType);
  const keys = businessKeysOf(rule, event.payload ?? {});
  // Bounded: an event may carry values over Temporal's size limits; the input keeps them whole.
  const searchAttributes: SearchAttributePair[] = [
    { key: LinkageEventType, value: bounded(event.eventType) },
    { key: LinkageEventId, value: bounded(event.eventId) },
    { key: LinkageTenant, value: bounded(event.tenantId) },
    { key: LinkageOutcome, value: 'running' },
  ];
  if (keys.length) searchAttributes.push({ key: LinkageBusinessKeys, value: keys });
  return {
    workflowType: workflowTypeOf(rule),
    options: {
      workflowId: linkageWorkflowId(event.eventId),
      taskQueue: config.temporal.taskQueue,
      args: [linkageInput(config, event)],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      requestEagerStart: eager,
      // Dispatched fairly per tenant on a server with matching.enableFairness (docs/operations/tenant-fairness.md);
      // a server without it ignores the key.
      priority: { fairnessKey: fairnessKeyOf(event.tenantId) },
      typedSearchAttributes: searchAttributes,
      staticSummary: bounded([event.eventType, `tenant ${event.tenantId}`, ...keys].join(' · '), 400),
      staticDetails: [
        `Event \`${event.eventId}\` (bus seq ${event.seq}), occurred ${bounded(event.occurredAt, 64)}.`,
        `Toggles: ${Object.entries(config.toggles)
          .map(([k, v]) => `${k}=${v ? 1 : 0}`)
          .join(', ')}.`,
      ].join('\n\n'),
    },
  };
}

/** Starts the event's workflow (see `linkageStart`); false when it already has one (a re-read, a duplicate event, another worker). */
export async function startLinkage(
  client: Client,
  config: Config,
  event: BusEvent,
  opts: { eager?: boolean } = {},
): Promise<boolean> {
  const { workflowType, options } = linkageStart(config, event, opts);
  try {
    await client.workflow.start(workflowType, options);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    await checkSameEvent(client, linkageWorkflowId(event.eventId), event);
    return false;
  }
}

/**
 * The id is taken by a run that is not this event's linkage (a workflow of the previous version under an
 * old id, one an operator started by hand): the event gets a dead letter naming the collision, it is not
 * counted as a duplicate and dropped.
 */
export class WorkflowIdCollisionError extends Error {
  constructor(
    readonly workflowId: string,
    holder: string,
  ) {
    super(`workflow id ${workflowId} is held by ${holder}, not by this event's linkage`);
    this.name = 'WorkflowIdCollisionError';
  }
}

/** A re-read or a second worker is a duplicate only when the run under the id links this very event. */
async function checkSameEvent(client: Client, workflowId: string, event: BusEvent): Promise<void> {
  const d = await client.workflow.getHandle(workflowId).describe();
  if (linksEvent(d, event)) return;
  throw new WorkflowIdCollisionError(workflowId, `a ${d.type} run (${d.status.name.toLowerCase()}, run ${d.runId})`);
}

/** Is the described run the linkage of this event: the event id and tenant the starter gave it? */
export function linksEvent(
  d: Pick<WorkflowExecutionDescription, 'typedSearchAttributes'>,
  event: Pick<BusEvent, 'eventId' | 'tenantId'>,
): boolean {
  const attrs = d.typedSearchAttributes;
  return attrs.get(LinkageEventId) === bounded(event.eventId) && attrs.get(LinkageTenant) === bounded(event.tenantId);
}
