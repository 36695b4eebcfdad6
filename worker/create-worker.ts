/**
 * Builds the linkage worker (workflows + activities on one task queue) and makes sure the singleton
 * poller workflow runs. Shared by `npm run worker`, the embedded stack and the tests.
 */
import { Client, Connection } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from '../common/config';
import { POLLER_WORKFLOW_ID } from '../common/linkage';

export interface LinkageWorker {
  worker: Worker;
  client: Client;
  /** Resolves when the worker has shut down (after SIGINT / SIGTERM or `worker.shutdown()`). */
  run(onRunning?: () => void): Promise<void>;
}

export async function createLinkageWorker(
  config: Config,
  overrides: Partial<WorkerOptions> = {},
): Promise<LinkageWorker> {
  const { address, namespace, taskQueue } = config.temporal;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });

  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue,
    // Tests hand in a prebuilt bundle; otherwise the worker bundles the workflows at start.
    ...(overrides.workflowBundle ? {} : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(config, client),
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    // In-flight HTTP calls get this long to finish on shutdown; the rest resume on another worker.
    shutdownGraceTime: '10 seconds',
    ...overrides,
  });

  return {
    worker,
    client,
    async run(onRunning) {
      try {
        // Starting the poller is one server call; the workflow waits for this worker to poll.
        if (config.poller.enabled) await ensurePoller(client, config);
        const running = worker.run();
        onRunning?.();
        await running;
      } finally {
        await connection.close();
        await nativeConnection.close();
      }
    },
  };
}

/** Starts the poller unless it already runs: one per namespace and task queue, whatever the workers. */
export async function ensurePoller(client: Client, config: Config): Promise<void> {
  await client.workflow.start('EventPollerWorkflow', {
    workflowId: `${POLLER_WORKFLOW_ID}-${config.temporal.taskQueue}`,
    taskQueue: config.temporal.taskQueue,
    args: [{ after: 0, pollIntervalMs: config.pollIntervalMs }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `Bus poller of task queue ${config.temporal.taskQueue}: one linkage workflow per event`,
  });
}
