/**
 * The benchmark's worker process: exactly `npm run worker` (same configuration from the environment, same
 * `createLinkageWorker`), plus the Worker options the tuning runs vary and that the product does not read
 * from the environment (`BENCH_WORKER_OPTIONS`, JSON), and an optional prebuilt workflow bundle
 * (`BENCH_WORKFLOW_BUNDLE`, a file path) so that restarting the worker between runs does not re-bundle.
 */
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, Runtime, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/logger';
import { createLinkageWorker } from '../worker/create-worker';
import { PinoTemporalLogger } from '../worker/logging';

/** The Worker options a tuning run may set (all optional; absent = the product's own value). */
export interface BenchWorkerOptions {
  reuseV8Context?: boolean;
  maxEagerActivityReservationsPerWorkflowTask?: number;
  maxConcurrentWorkflowTaskPolls?: number;
  maxConcurrentActivityTaskPolls?: number;
  workflowThreadPoolSize?: number;
}

export function parseWorkerOptions(raw: string | undefined): BenchWorkerOptions {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const out: BenchWorkerOptions = {};
  if (typeof parsed.reuseV8Context === 'boolean') out.reuseV8Context = parsed.reuseV8Context;
  for (const k of [
    'maxEagerActivityReservationsPerWorkflowTask',
    'maxConcurrentWorkflowTaskPolls',
    'maxConcurrentActivityTaskPolls',
    'workflowThreadPoolSize',
  ] as const) {
    const v = parsed[k];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = v;
  }
  return out;
}

export const EAGER_STATS_LINE = 'EAGER_START_STATS ';

async function main(): Promise<void> {
  const log = createLogger('bench-worker');
  const config = loadConfig();
  Runtime.install({ logger: new PinoTemporalLogger(log), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const overrides: Partial<WorkerOptions> = { ...parseWorkerOptions(process.env.BENCH_WORKER_OPTIONS) };
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE;
  if (bundle) overrides.workflowBundle = { codePath: bundle };
  const eager = process.env.BENCH_EAGER_START === '1' ? await eagerStartOverrides(config) : null;
  if (eager) {
    Object.assign(overrides, eager.overrides);
    const stats = eager.stats;
    setInterval(() => console.log(`${EAGER_STATS_LINE}${JSON.stringify(stats)}`), 1000).unref();
  }
  const { run } = await createLinkageWorker(config, overrides);
  await run(() => {
    console.log(`WORKER_READY ${JSON.stringify({ pid: process.pid, taskQueue: config.temporal.taskQueue })}`);
  });
}

/**
 * Eager workflow start, measured without touching the product: the TS SDK starts a workflow eagerly only
 * when the starting Client shares the Worker's NativeConnection and asks for it (`requestEagerStart`). The
 * product's poller uses a separate Connection and does not ask; here the activities (the poller among them)
 * get a Client on the Worker's own NativeConnection whose interceptor adds `requestEagerStart: true`.
 */
async function eagerStartOverrides(
  config: Config,
): Promise<{ overrides: Partial<WorkerOptions>; stats: { starts: number; eager: number } }> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const stats = { starts: 0, eager: 0 };
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      const out = await next({ ...input, options: { ...input.options, requestEagerStart: true } });
      stats.starts++;
      if (out.eagerlyStarted) stats.eager++;
      return out;
    },
  };
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [interceptor] },
  });
  return { overrides: { connection, activities: createActivities(config, client) }, stats };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`bench worker: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
