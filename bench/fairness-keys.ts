/**
 * The tenant-flood scenario's fairness variant (`BENCH_FAIRNESS_KEYS=tenant` in the bench worker): every
 * linkage start carries `priority.fairnessKey` = the event's tenant, so a server with
 * `matching.enableFairness` dispatches each tenant's workflow tasks in proportion (activities and child
 * workflows inherit the key). The product's starter is left as it is: the bench worker wraps the start
 * request of every WorkflowClient in its process. Starts without a linkage input (the poller's) keep the
 * default key, the empty string, which is a key of its own.
 */
import { WorkflowClient, type WorkflowStartInput } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { LinkageInput } from '../workflows/types';

type StartRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;

/** Fairness keys are limited to 64 bytes by the server. */
const MAX_KEY_BYTES = 64;

export function addTenantFairnessKeys(): void {
  const proto = WorkflowClient.prototype as unknown as {
    createStartWorkflowRequest(input: WorkflowStartInput): Promise<StartRequest>;
  };
  const original = proto.createStartWorkflowRequest;
  proto.createStartWorkflowRequest = async function (this: WorkflowClient, input: WorkflowStartInput) {
    const req = await original.call(this, input);
    const tenant = (input.options.args?.[0] as Partial<LinkageInput> | undefined)?.event?.tenantId;
    if (tenant && Buffer.byteLength(tenant) <= MAX_KEY_BYTES) req.priority = { ...req.priority, fairnessKey: tenant };
    return req;
  };
}
