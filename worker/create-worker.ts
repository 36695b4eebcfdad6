/**
 * Builds the linkage worker (workflows + activities on one task queue) and makes sure the singleton
 * poller workflow runs. Shared by `npm run worker`, the embedded stack and the tests.
 */
import fs from 'node:fs';
import { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createRuleGuard } from '../activities/rule-guard';
import { HttpClient } from '../activities/http-client';
import type { Config } from '../common/config';
import { TemporalUnreachableError, temporalConnectionOptions } from '../common/temporal-connection';
import { activeTracing } from '../common/tracing';
import { pollerWorkflowId } from '../common/linkage';
import { INTAKE_PRIORITY } from '../starter/intake-lanes';
import { intakeTaskQueue, legacyPollerWorkflowId } from '../common/workflow-ids';
import { hasEventAfter } from '../activities/bus';
import { busHead, legacyCursor, resumeCursor } from '../starter/poller-cursor';
import { checkNamespace } from '../starter/start-refusal';
import { carryOverRuleControl } from './rule-control-upgrade';
import { withLogMetadata } from './logging';
import { createWorkerActivities } from './worker-activities';
import { createLinkageMetrics, serveMetrics, type MetricsServer } from './metrics';
import type { WorkerTracing } from './tracing';
import { bundleHasTracing, bundleLinkageWorkflows, WORKFLOWS_PATH } from './workflow-bundle';

export interface LinkageWorker {
  worker: Worker;
  client: Client;
  /** The Prometheus endpoint, when METRICS_PORT > 0 (closed when the worker stops). */
  metrics: MetricsServer | null;
  /** Resolves when the worker has shut down (after SIGINT / SIGTERM or `worker.shutdown()`). */
  run(onRunning?: () => void): Promise<void>;
}

export async function createLinkageWorker(
  config: Config,
  overrides: Partial<WorkerOptions> = {},
  opts: { sdkMetricsUrl?: string } = {},
): Promise<LinkageWorker> {
  const { address, namespace, taskQueue } = config.temporal;
  const connectionOptions = temporalConnectionOptions(config);
  const nativeConnection = await NativeConnection.connect(connectionOptions).catch((err: unknown) => {
    throw new TemporalUnreachableError(address, err);
  });
  // The poller's client shares the worker's connection: that is what lets the server start a linkage
  // workflow eagerly, handing its first task straight back to this worker (no matching round trip).
  // Tracing on (common/tracing.ts): the poller's workflow starts carry its event span to the workflow.
  const tracing = activeTracing();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Temporal's interceptors, loaded only when on
  const traced = tracing ? (require('./tracing') as typeof import('./tracing')).workerTracing(tracing) : null;
  const client = new Client({
    connection: nativeConnection,
    namespace,
    ...(traced ? { interceptors: traced.clientInterceptors } : {}),
  });

  // A namespace missing or without the Linkage* search attributes: a ConfigError (exit 2), not a dead letter per event.
  const checked = await checkNamespace(client, namespace).catch(async (err: unknown) => {
    await nativeConnection.close();
    throw err;
  });
  if (checked.unchecked) {
    Runtime.instance().logger.warn(
      `TEMPORAL_NAMESPACE=${namespace}: its search attributes could not be checked (${checked.unchecked}); a start they refuse holds the poller`,
    );
  }

  // Counters always exist (the workflows' sink needs a receiver); they are served when METRICS_PORT > 0.
  const serving = config.metricsPort > 0;
  const metrics = createLinkageMetrics({ sdkMetricsUrl: opts.sdkMetricsUrl, processMetrics: serving });
  const gateway = new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs, () =>
    metrics.authRejected('gateway'),
  );
  const observer = metrics.pollerObserver(gateway, config.poller.pageSize);
  const ruleGuard = createRuleGuard(client, config.temporal.taskQueue, config.ruleStateMaxAgeMs);
  metrics.watchRules(ruleGuard);

  // Bundled once here when no bundle is given, for both workers.
  const workflowBundle = config.worker.workflowBundlePath
    ? { codePath: config.worker.workflowBundlePath }
    : (overrides.workflowBundle ??
      (await bundleLinkageWorkflows(
        WORKFLOWS_PATH,
        // Its report as the worker's bundler gives it: "Workflow bundle created", webpack's at debug.
        withLogMetadata(Runtime.instance().logger, { sdkComponent: 'worker', taskQueue }),
        { tracing: !!traced },
      )));
  const shared: WorkerOptions = {
    connection: nativeConnection,
    namespace,
    taskQueue,
    workflowBundle,
    activities: createWorkerActivities(config, client, {
      gateway,
      pollerObserver: observer,
      onAuthRejected: (service) => metrics.authRejected(service),
      ruleGuard,
    }),
    sinks: { ...metrics.sinks, ...tracingSinks(traced, config.worker.workflowBundlePath) },
    ...(traced ? { interceptors: traced.interceptors } : {}),
    // In-flight HTTP calls get this long to finish on shutdown; the rest resume on another worker.
    shutdownGraceTime: '10 seconds',
  };
  const worker = await Worker.create({
    ...shared,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    ...overrides,
  });
  // The intake (poller, lanes, their bus reads and starts) on a queue of its own, with slots of its own: runs
  // holding every workflow-task slot above never hold back the read of the next page.
  const intake = await Worker.create({
    ...shared,
    ...overrides,
    taskQueue: intakeTaskQueue(taskQueue),
    maxConcurrentActivityTaskExecutions: INTAKE_SLOTS,
    maxConcurrentWorkflowTaskExecutions: INTAKE_SLOTS,
    maxCachedWorkflows: INTAKE_SLOTS * 4,
    maxConcurrentWorkflowTaskPolls: 2,
    maxConcurrentActivityTaskPolls: 2,
  });
  const metricsServer = serving
    ? await serveMetrics(metrics, config.metricsPort).catch(async (err: unknown) => {
        await nativeConnection.close();
        throw new Error(`METRICS_PORT=${config.metricsPort}: ${(err as Error).message}`);
      })
    : null;

  return {
    worker,
    client,
    metrics: metricsServer,
    async run(onRunning) {
      try {
        // Starting the poller is one server call; the workflow waits for this worker to poll.
        if (config.poller.enabled) await ensurePoller(client, config, gateway);
        const running = runBoth(worker, intake);
        onRunning?.();
        // Needs a worker polling (it queries the old control run), so it runs beside this one.
        void carryOverUntilDone(client, taskQueue, () => !['INITIALIZED', 'RUNNING'].includes(worker.getState()));
        await running;
      } finally {
        await metricsServer?.close();
        await nativeConnection.close();
      }
    },
  };
}

/** The intake worker's slots: a poller and a few lanes per process, each one page in flight at a time. */
const INTAKE_SLOTS = 8;

/** Runs both workers; either one stopping (a signal, a test's shutdown, a fatal error) stops the other. */
async function runBoth(...workers: Worker[]): Promise<void> {
  const stopAll = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled(workers.map((w) => w.run().finally(stopAll)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Carries the previous version's rule state over (worker/rule-control-upgrade.ts), retried until it is
 * done: an old worker still polling answers its query without the new handler, for instance.
 */
async function carryOverUntilDone(client: Client, taskQueue: string, stopped: () => boolean): Promise<void> {
  for (let delayMs = 1000; !stopped(); delayMs = Math.min(delayMs * 2, 60_000)) {
    try {
      if (await carryOverRuleControl(client, taskQueue)) {
        Runtime.instance().logger.info('rule state of the previous version carried over', { taskQueue });
      }
      return;
    } catch (err) {
      if (stopped()) return;
      Runtime.instance().logger.warn('rule state carry-over failed; retrying', { error: String(err), delayMs });
    }
    // Unref'd: a worker shutting down does not wait for the next attempt.
    await new Promise((r) => setTimeout(r, delayMs).unref());
  }
}

/**
 * The workflow spans' sink. A prebuilt bundle (WORKFLOW_BUNDLE_PATH) is checked against tracing: made with
 * tracing on, it exports its spans even on a worker with tracing off, to a no-op sink then (without one,
 * every run would log an unregistered sink); made with tracing off, its runs make no workflow and step
 * spans, which a worker with tracing on says at start.
 */
function tracingSinks(traced: WorkerTracing | null, bundlePath: string | null): WorkerTracing['sinks'] | object {
  const bundled = bundlePath ? bundleHasTracing(fs.readFileSync(bundlePath, 'utf8')) : null;
  if (traced && bundled === false) {
    Runtime.instance().logger.warn(
      `WORKFLOW_BUNDLE_PATH=${bundlePath} was bundled with tracing off: its runs make no workflow and step spans`,
    );
  }
  if (traced) return traced.sinks;
  return bundled ? { exporter: { export: { fn: () => undefined } } } : {};
}

/**
 * Starts the poller unless it already runs: one per namespace and task queue, whatever the workers.
 * A poller that was terminated or failed is succeeded by one that resumes from its cursor.
 */
export async function ensurePoller(client: Client, config: Config, gateway: HttpClient): Promise<void> {
  const workflowId = pollerWorkflowId(config.temporal.taskQueue);
  const { startAfter } = config.poller;
  // An upgrade carries on from the old-id poller's cursor (and stops it).
  const after = await resumeCursor(
    client,
    workflowId,
    async () =>
      (await legacyCursor(client, legacyPollerWorkflowId(config.temporal.taskQueue))) ??
      (startAfter === 'head' ? busHead((seq) => hasEventAfter(gateway, seq)) : startAfter),
  );
  if (after === null) return;
  await client.workflow.start('EventPollerWorkflow', {
    workflowId,
    taskQueue: intakeTaskQueue(config.temporal.taskQueue),
    args: [{ after, pollIntervalMs: config.pollIntervalMs }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `Bus poller of task queue ${config.temporal.taskQueue}: one linkage workflow per event`,
    // Its workflow tasks go before the linkage runs' backlog (kept across continue-as-new).
    priority: INTAKE_PRIORITY,
  });
}
