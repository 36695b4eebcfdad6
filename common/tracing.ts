/**
 * OpenTelemetry tracing, set up in one place for the worker and the platform: one business event is one
 * trace, from the poller's bus read to the cells (docs/operations/tracing.md).
 *
 * On only when an OTLP endpoint is configured by the standard variables — OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` appended) — and neither OTEL_SDK_DISABLED=true
 * nor OTEL_TRACES_EXPORTER=none says otherwise. Off, nothing is started nor even loaded (the SDK is in
 * common/tracing-sdk.ts, required only when tracing is on): no tracer provider, no http patching, no
 * Temporal interceptors, and the workflow bundle stays as it is (worker/workflow-bundle.ts); the code that
 * makes spans checks activeTracing() or talks to OpenTelemetry's no-op API.
 *
 * startTracing must run before `http` and the modules using it are loaded: the entry points import
 * worker/start-tracing.ts or platform/start-tracing.ts before anything else.
 */
import type { DiagLogger } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingSettings {
  /** Where spans go: the traces endpoint, in full. */
  endpoint: string;
  /** Settings that cannot be honoured, for a warning (tracing stays on). */
  warnings: string[];
}

const isTrue = (v: string | undefined) => v?.trim().toLowerCase() === 'true';

/** Tracing's settings from the standard OTEL_* variables; null when tracing is off. */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings | null {
  if (isTrue(env.OTEL_SDK_DISABLED)) return null;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return null;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return null;
  const warnings: string[] = [];
  const other = exporters.filter((e) => e !== 'otlp');
  if (other.length) warnings.push(`OTEL_TRACES_EXPORTER=${other.join(',')}: only otlp is supported; using otlp`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    warnings.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: spans are sent as OTLP/HTTP JSON (port 4318), not ${protocol}`,
    );
  }
  return { endpoint: traces || `${base!.replace(/\/+$/, '')}/v1/traces`, warnings };
}

/** Whether this environment turns tracing on (the workflow bundle asks, before any SDK is started). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return tracingSettings(env) !== null;
}

export interface Tracing {
  serviceName: string;
  endpoint: string;
  resource: Resource;
  /** Every span ends here; the workflow spans' sink feeds it too (worker/tracing.ts). */
  spanProcessor: SpanProcessor;
  /** Sends the spans not yet sent and stops tracing (graceful shutdown); at most `timeoutMs`. */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface TracingOptions {
  /** Spans for incoming HTTP requests (the platform's servers); the worker serves only /metrics. */
  incomingHttp?: boolean;
  /**
   * Spans for outgoing undici calls (the worker's HTTP client). Off in the platform, whose outbox publishes
   * with `fetch` (undici too): an event's trace starts at the poller, not at the request that published it.
   */
  undici?: boolean;
  /**
   * Root spans (spans outside any trace) by these names are not sampled, nor anything below them: calls that
   * are no business of their own (the worker's Temporal client starting its poller, answering a metrics
   * scrape) start no trace.
   */
  untracedRoots?: RegExp;
  /** Where OpenTelemetry's own warnings go (a failing export, ...); the project's logger by default. */
  diagLogger?: DiagLogger;
}

let active: Tracing | null = null;

/** The tracing this process started, or null (off, or not started). */
export function activeTracing(): Tracing | null {
  return active;
}

/**
 * Starts tracing for this process as `serviceName` (OTEL_SERVICE_NAME wins), or does nothing and returns
 * null when the environment leaves it off. Once per process.
 */
export function startTracing(serviceName: string, opts: TracingOptions = {}): Tracing | null {
  if (active) return active;
  const settings = tracingSettings();
  if (!settings) return null;
  // Loaded now, synchronously, before the caller goes on to load `http` and what uses it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  active = sdk.startSdk(serviceName, settings, opts);
  return active;
}
