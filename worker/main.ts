/**
 * `npm run worker`: the linkage worker alone, against any Temporal (TEMPORAL_ADDRESS) and any gateway
 * honouring the contract (GATEWAY_URL). A bad variable stops it at once, naming the variable; SIGINT or
 * SIGTERM drain it gracefully.
 */
// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) instruments http before anything loads it.
import { tracing } from './start-tracing';
import { Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig, type Config } from '../common/config';
import { announceReady, createLogger, logFormat, type Logger } from '../common/logger';
import { HttpClient } from '../activities/http-client';
import { TemporalUnreachableError } from '../common/temporal-connection';
import { checkBusAccess } from '../activities/bus';
import { createLinkageWorker } from './create-worker';
import { checkLakeAccess } from './lake-check';
import { PinoTemporalLogger } from './logging';
import { sdkMetricsBindAddress } from './metrics';

/** A configuration error: the message on stderr (and as a fatal JSON line for log collectors), exit 2. */
function refuse(err: ConfigError, log?: Logger): never {
  if (log && logFormat() === 'json') log.fatal({ problems: err.problems }, err.message);
  console.error(`linkage worker: ${err.message}`);
  process.exit(2);
}

/** The links in force, for the start line (the full configuration is logged at debug). */
function links(config: Config): string {
  const t = config.toggles;
  const on = [t.crmToErp && 'crm-to-erp', t.erpToSrm && 'erp-to-srm', t.allToOa && 'all-to-oa'];
  return [...on, t.allToDatalake && 'all-to-datalake'].filter(Boolean).join(',') || 'none';
}

async function main(): Promise<void> {
  let log: Logger | undefined;
  let config;
  try {
    log = createLogger('linkage-worker');
    config = loadConfig();
    const bus = await checkBusAccess(new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs));
    if (!bus.reachable) log.warn({ error: bus.error }, 'the bus is not reachable yet; the poller retries it');
    if (config.datalakeUrl) {
      const lake = await checkLakeAccess(new HttpClient(config.datalakeUrl, config.token, config.retry.httpTimeoutMs));
      if (!lake.reachable) {
        log.warn(
          { error: lake.error },
          `DATALAKE_URL=${config.datalakeUrl}: the data lake is not reachable yet; ingests retry it`,
        );
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) refuse(err, log);
    throw err;
  }
  // METRICS_PORT > 0: the SDK's own Prometheus exporter on the next port (loopback), merged into /metrics.
  const sdkMetrics = config.metricsPort > 0 ? sdkMetricsBindAddress(config.metricsPort) : null;
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(log),
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      ...(sdkMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetrics } } } } : {}),
    });
  } catch (err) {
    // The only thing that fails here is the exporter's bind: name the setting that chose the port.
    if (!sdkMetrics) throw err;
    throw new Error(
      `METRICS_PORT=${config.metricsPort}: the SDK's metrics exporter cannot bind ${sdkMetrics} (the port after it): ${(err as Error).message}`,
    );
  }
  const { address, namespace, taskQueue } = config.temporal;
  log.info(
    {
      temporal: `${address}/${namespace}`,
      taskQueue,
      gateway: config.gatewayUrl,
      links: links(config),
      ...(config.metricsPort > 0 ? { metricsPort: config.metricsPort } : {}),
      ...(tracing ? { tracing: tracing.endpoint } : {}),
      ...(config.worker.workflowBundlePath ? {} : { bundling: 'workflows/ (takes a few seconds)' }),
    },
    'starting linkage worker',
  );
  // The logger redacts the secrets (the gateway token, the API key): the line shows "[redacted]".
  log.debug(config, 'configuration');
  const { run } = await createLinkageWorker(
    config,
    {},
    sdkMetrics ? { sdkMetricsUrl: `http://${sdkMetrics}/metrics` } : {},
  ).catch((err: unknown) => {
    if (err instanceof ConfigError) refuse(err, log);
    throw err;
  });
  await run(() => {
    log.info({ taskQueue }, 'linkage worker running');
    // The line the embedded stack and the tests wait for (not printed on a terminal).
    announceReady('WORKER_READY', { pid: process.pid, taskQueue });
  });
  // The spans of the last runs, before the process ends.
  await tracing?.shutdown();
  log.info('linkage worker stopped');
}

main().catch((err) => {
  // Temporal down or misaddressed: the message names TEMPORAL_ADDRESS; a stack would only hide it.
  const known = err instanceof TemporalUnreachableError;
  console.error(`linkage worker: ${known ? err.message : err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
