/**
 * The worker's Prometheus endpoint (METRICS_PORT > 0): the linkage counters below (prom-client, one
 * registry per worker) plus, when the worker process installed the SDK's Prometheus exporter, the SDK's
 * own `temporal_*` metrics merged into the same answer, so one scrape target per worker has everything.
 *
 * - Runs are counted from the workflows through a **sink** (`linkageMetrics`, see workflows/linkage-metrics.ts):
 *   sink calls leave no trace in the history (replay-safe, no extra round trip) and are skipped on replay,
 *   so a run is counted by the worker that executed it, once.
 * - The poller's counters come from its `PollerObserver` hook, and so do the intake lanes' (lane-metrics.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectedSinks } from '@temporalio/worker';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RuleGuard } from '../activities/rule-guard';
import type { HttpClient } from '../activities/http-client';
import { readBus } from '../activities/bus';
import type { EventPage, PollerObserver } from '../starter/poll-and-start';
import type { LinkageMetricsSinks } from '../workflows/linkage-metrics';
import type { IntakeState, LaneResult, PollResult } from '../workflows/types';
import { createLaneMetrics } from './lane-metrics';

/** Outcomes that end the run Failed (or Cancelled): the linkage did not happen. */
const FAILED_OUTCOMES = new Set(['failed', 'invalid', 'compensated']);
/** Largest page the bus serves: the lag probe counts at most this many events (the gauge then means "≥"). */
const LAG_PROBE_LIMIT = 1000;

export interface LinkageMetrics {
  registry: Registry;
  sinks: InjectedSinks<LinkageMetricsSinks>;
  /** The poller's hook; `gateway` reads the bus head when a page came back full. */
  pollerObserver(gateway: HttpClient, pageSize: number): PollerObserver;
  /** The exposition text: linkage counters, then the SDK's metrics if `sdkMetricsUrl` answers. */
  render(): Promise<string>;
  /** Counts a call the gateway or the data lake refused with 401 / 403 (configuration trouble, alerting). */
  authRejected(service: string): void;
  /** What `/healthz` answers: ok, or why not (the poller's last read failed, and since when). */
  health(): { ok: boolean; status: string };
  /** Serves the paused rules and their held runs (read from the rule-control workflow at each scrape). */
  watchRules(rules: RuleGuard): void;
}

export interface MetricsOptions {
  /** Where the SDK's own Prometheus exporter serves (`http://127.0.0.1:<port>/metrics`), if installed. */
  sdkMetricsUrl?: string;
  /** Node process metrics (heap, event loop lag, ...) from prom-client; default true. */
  processMetrics?: boolean;
}

export function createLinkageMetrics(opts: MetricsOptions = {}): LinkageMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const started = new Counter({
    name: 'linkage_workflows_started_total',
    help: 'Linkage runs started on this worker (first workflow task of a run)',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });
  const completed = new Counter({
    name: 'linkage_workflows_completed_total',
    help: 'Linkage runs closed on this worker, by outcome (completed, partial, skipped, invalid, failed, compensated)',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'linkage_workflows_failed_total',
    help: 'Linkage runs that ended Failed or Cancelled (outcomes failed, invalid, compensated)',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });
  const compensated = new Counter({
    name: 'linkage_workflows_compensated_total',
    help: 'Linkage runs whose completed steps were all undone after a required step failed for good',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });
  const eventsRead = new Counter({
    name: 'linkage_poller_events_read_total',
    help: 'Bus events read by the poller on this worker',
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'linkage_poller_lag_events',
    help: `Bus events behind the poller's cursor after its last page (capped at ${LAG_PROBE_LIMIT}: "at least")`,
    registers: [registry],
  });
  const cursor = new Gauge({
    name: 'linkage_poller_cursor',
    help: 'Last bus seq whose events all have a workflow',
    registers: [registry],
  });
  const readFailures = new Counter({
    name: 'linkage_poller_read_failures_total',
    help: 'Bus reads (or page hand-overs) that failed on this worker; each is retried after the poll interval',
    registers: [registry],
  });
  const pollerHealthy = new Gauge({
    name: 'linkage_poller_healthy',
    help: "1 when this worker's last bus read succeeded, 0 when it failed (see /healthz for the cause)",
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'linkage_poller_dead_letters_total',
    help: 'Bus events that got a dead letter instead of a workflow (malformed, or refused by Temporal)',
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'linkage_http_auth_failures_total',
    help: 'Calls the platform refused with 401 / 403: a token to fix (retried within the retry window)',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  let pollerError: { error: string; since: string } | null = null;
  const lastPage = new Gauge({
    name: 'linkage_poller_last_page_timestamp_seconds',
    help: 'When this worker last handed a bus page over (the freshest worker holds the current lag)',
    registers: [registry],
  });
  const laneMetrics = createLaneMetrics(registry);
  let rules: RuleGuard | null = null;
  /** The rule-control state of this scrape: one read for both gauges (kept RULE_STATE_MAX_AGE_MS anyway). */
  const rulesView = async () => (rules ? await rules.view().catch(() => null) : null);
  new Gauge({
    name: 'linkage_rule_held_runs',
    help: 'Runs waiting at a paused rule, or being released after its resume, by rule (the same in every worker)',
    labelNames: ['rule'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await rulesView())?.rules ?? []) this.set({ rule: r.rule }, r.held);
    },
  });
  new Gauge({
    name: 'linkage_config_alarm',
    help: '1 while the rule state cannot be read: the rule-control id is held by another workflow type (see /healthz)',
    registers: [registry],
    async collect() {
      await rulesView();
      this.set(rules?.alarm() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'linkage_rule_paused',
    help: '1 while a rule is paused (npm run linkage -- pause <rule>)',
    labelNames: ['rule'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await rulesView())?.rules ?? []) this.set({ rule: r.rule }, r.paused ? 1 : 0);
    },
  });

  const sinks: InjectedSinks<LinkageMetricsSinks> = {
    linkageMetrics: {
      started: {
        fn: (_info, eventType) => started.inc({ event_type: eventType }),
        callDuringReplay: false,
      },
      closed: {
        fn: (_info, eventType, outcome) => {
          completed.inc({ event_type: eventType, outcome });
          if (FAILED_OUTCOMES.has(outcome)) failed.inc({ event_type: eventType });
          if (outcome === 'compensated') compensated.inc({ event_type: eventType });
        },
        callDuringReplay: false,
      },
    },
  };

  return {
    registry,
    sinks,
    pollerObserver(gateway, pageSize) {
      return {
        onReadFailed(error: string) {
          readFailures.inc();
          pollerHealthy.set(0);
          pollerError = { error, since: pollerError?.since ?? new Date().toISOString() };
        },
        onDeadLetter() {
          deadLettered.inc();
        },
        onLanePage(tenantId: string, page: EventPage, result: LaneResult, readAtMs: number) {
          laneMetrics.onLanePage(tenantId, page, result, readAtMs);
        },
        onPage(page: EventPage, result: PollResult, intake?: IntakeState) {
          laneMetrics.onPollerPage(result, intake);
          pollerHealthy.set(1);
          pollerError = null;
          eventsRead.inc(page.events.length);
          cursor.set(result.nextAfter);
          lastPage.setToCurrentTime();
          // A short page was the head when read: no lag. A full one: count what waits behind it, once.
          if (page.events.length < pageSize) {
            lag.set(0);
            return;
          }
          readBus(gateway, { after: result.nextAfter, limit: LAG_PROBE_LIMIT, waitMs: 0 })
            .then((behind) => lag.set(behind.events.length))
            .catch(() => undefined); // a failed probe keeps the last value
        },
      };
    },
    watchRules(guard) {
      rules = guard;
    },
    authRejected(service) {
      authFailures.inc({ service });
    },
    health() {
      if (pollerError) return { ok: false, status: `poller failing since ${pollerError.since}: ${pollerError.error}` };
      const alarm = rules?.alarm();
      return alarm ? { ok: false, status: `configuration alarm: ${alarm}` } : { ok: true, status: 'ok' };
    },
    async render() {
      const own = await registry.metrics();
      if (!opts.sdkMetricsUrl) return own;
      try {
        const res = await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) });
        if (!res.ok) throw new Error(`answered ${res.status}`);
        return `${own}\n${await res.text()}`;
      } catch (err) {
        return `${own}\n# SDK metrics unavailable at ${opts.sdkMetricsUrl}: ${(err as Error).message}\n`;
      }
    },
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` (and `/`) on `port`, and `GET /healthz` for an orchestrator's probe: 200 `ok`, or 503
 * with the cause (`poller failing since …: GET /api/events answered 401: …`). Any other path is 404.
 */
export async function serveMetrics(metrics: LinkageMetrics, port: number, host = '0.0.0.0'): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const h = metrics.health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`);
      return;
    }
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Where the SDK's exporter binds when the worker process installs it: the port after METRICS_PORT. */
export function sdkMetricsBindAddress(metricsPort: number): string {
  return `127.0.0.1:${metricsPort + 1}`;
}
