/**
 * @temporalio/testing starts a real Temporal dev server from the binary the setup step
 * built (`existing-path`), a real worker runs a workflow with an activity, and the result and the
 * history are checked.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporalCliPath } from '../../scripts/lib/paths';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { greetingWorkflow } from '../fixtures/greeting-workflow';

describe('Temporal test environment from the built binary', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      },
    });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow with an activity on a real worker and records it in history', async () => {
    const taskQueue = 'greeting-smoke';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/greeting-workflow'),
      activities: { greet: async (name: string) => `你好, ${name}` },
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(greetingWorkflow, { taskQueue, workflowId: 'greeting-1', args: ['运维'] }),
    );
    expect(result).toBe('你好, 运维');

    const history = await env.client.workflow.getHandle('greeting-1').fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    const { temporal } = await import('@temporalio/proto');
    const T = temporal.api.enums.v1.EventType;
    expect(types[0]).toBe(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(types).toContain(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(types).toContain(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    expect(types[types.length - 1]).toBe(T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    const scheduled = history.events!.find((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('greet');
  });
});
