/**
 * `npm run worker`: the linkage worker alone, against any Temporal (TEMPORAL_ADDRESS) and any gateway
 * honouring the contract (GATEWAY_URL). A bad variable stops it at once, naming the variable; SIGINT or
 * SIGTERM drain it gracefully.
 */
import { Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { HttpClient } from '../activities/http-client';
import { checkBusAccess } from '../starter/poll-and-start';
import { createLinkageWorker } from './create-worker';
import { PinoTemporalLogger } from './logging';
import { sdkMetricsBindAddress } from './metrics';

async function main(): Promise<void> {
  const log = createLogger('linkage-worker');
  let config;
  try {
    config = loadConfig();
    const bus = await checkBusAccess(new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs));
    if (!bus.reachable) log.warn({ error: bus.error }, 'the bus is not reachable yet; the poller retries it');
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal({ problems: err.problems }, err.message);
      console.error(`linkage worker: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // METRICS_PORT > 0: the SDK's own Prometheus exporter on the next port (loopback), merged into /metrics.
  const sdkMetrics = config.metricsPort > 0 ? sdkMetricsBindAddress(config.metricsPort) : null;
  Runtime.install({
    logger: new PinoTemporalLogger(log),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(sdkMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetrics } } } } : {}),
  });
  // The logger redacts the secrets (the gateway token, the API key): the line shows "[redacted]".
  log.info(config, 'starting linkage worker');
  const { run } = await createLinkageWorker(
    config,
    {},
    sdkMetrics ? { sdkMetricsUrl: `http://${sdkMetrics}/metrics` } : {},
  );
  await run(() => {
    log.info({ taskQueue: config.temporal.taskQueue }, 'linkage worker running');
    // The line the embedded stack and the tests wait for.
    console.log(`WORKER_READY ${JSON.stringify({ pid: process.pid, taskQueue: config.temporal.taskQueue })}`);
  });
  log.info('linkage worker stopped');
}

main().catch((err) => {
  console.error(`linkage worker: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
