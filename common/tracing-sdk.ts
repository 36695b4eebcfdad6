/**
 * The OpenTelemetry SDK behind common/tracing.ts, loaded only when tracing is on: a tracer provider with the
 * W3C `traceparent` propagator and an async-local context, the `http` / `https` modules and undici
 * instrumented (outgoing calls carry `traceparent`; the platform's incoming requests continue the caller's trace), spans
 * batched and sent as OTLP/HTTP JSON. The exporter reads the rest of the standard variables itself
 * (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, ...), the batch processor OTEL_BSP_*, the propagators
 * OTEL_PROPAGATORS; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the service; OTEL_TRACES_SAMPLER(_ARG)
 * is read here (samplerFromEnv).
 */
import {
  diag,
  DiagLogLevel,
  trace,
  type Attributes,
  type Context,
  type DiagLogger,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createLogger, type Logger } from './logger';
import type { Tracing, TracingOptions, TracingSettings } from './tracing';

/** Paths that are probes and scrapes, not business: never traced. */
const UNTRACED_PATHS = new Set(['/healthz', '/metrics']);

export function startSdk(serviceName: string, settings: TracingSettings, opts: TracingOptions): Tracing {
  diag.setLogger(opts.diagLogger ?? logDiag(), DiagLogLevel.WARN);
  for (const w of settings.warnings) diag.warn(w);

  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName, 'service.namespace': 'paas-linkage' }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }));
  const sampler = samplerFromEnv(process.env, opts.untracedRoots);
  const provider = new NodeTracerProvider({ resource, sampler, spanProcessors: [spanProcessor] });
  // W3C traceparent (and baggage) unless OTEL_PROPAGATORS says otherwise; AsyncLocalStorage context.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: !opts.incomingHttp,
        // An outgoing call outside any span (a start-up check) starts no trace of its own.
        requireParentforOutgoingSpans: true,
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
      }),
      // The worker's HTTP client (activities/http-client.ts) is undici, which `http` patching does not see.
      ...(opts.undici ? [new UndiciInstrumentation({ requireParentforSpans: true })] : []),
    ],
  });

  let stopped: Promise<void> | undefined;
  return {
    serviceName: String(resource.attributes['service.name'] ?? serviceName),
    endpoint: settings.endpoint,
    resource,
    spanProcessor,
    shutdown(timeoutMs = 5000) {
      stopped ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            diag.warn(`spans not sent within ${timeoutMs} ms of the shutdown were dropped`);
            resolve();
          }, timeoutMs);
        });
        try {
          await Promise.race([provider.shutdown(), timeout]);
        } catch (err) {
          diag.warn(`tracing shutdown failed: ${String(err)}`);
        } finally {
          clearTimeout(timer);
          unregister();
        }
      })();
      return stopped;
    },
  };
}

/**
 * The sampler of OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on), which a
 * provider given a sampler of its own no longer reads, with the roots named by `untracedRoots` left out.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv, untracedRoots?: RegExp): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  const known = ['always_on', 'always_off', 'traceidratio'];
  const base = name.replace(/^parentbased_/, '');
  if (!known.includes(base)) diag.warn(`OTEL_TRACES_SAMPLER=${name}: not supported; using parentbased_always_on`);
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  const root =
    base === 'always_off'
      ? new AlwaysOffSampler()
      : base === 'traceidratio'
        ? new TraceIdRatioBasedSampler(ratio)
        : new AlwaysOnSampler();
  const sampler = name.startsWith('parentbased_') || !known.includes(base) ? new ParentBasedSampler({ root }) : root;
  return untracedRoots ? new LeaveOutRoots(sampler, untracedRoots) : sampler;
}

class LeaveOutRoots implements Sampler {
  constructor(
    private readonly inner: Sampler,
    private readonly names: RegExp,
  ) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (!trace.getSpanContext(context) && this.names.test(spanName)) return { decision: SamplingDecision.NOT_RECORD };
    return this.inner.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `LeaveOutRoots{${this.names}, ${this.inner.toString()}}`;
  }
}

/**
 * OpenTelemetry's own problems (a collector that cannot be reached: one line per failed batch, ...) as log
 * lines of the project's format, at warn at most: tracing never fails the linkage.
 */
function logDiag(): DiagLogger {
  let log: Logger | null | undefined;
  const emit =
    (level: 'warn' | 'info' | 'debug' | 'trace') =>
    (message: string, ...args: unknown[]) => {
      if (log === undefined) {
        try {
          log = createLogger('tracing');
        } catch {
          log = null; // a bad LOG_FORMAT: the entry point reports it; meanwhile plain stderr
        }
      }
      const text = `tracing: ${errorMessage(message)}`;
      const detail = args.map((a) => (a instanceof Error ? a.message : safeJson(a))).join(' ');
      if (log) log[level](detail ? { detail } : {}, text);
      else process.stderr.write(`${text} ${detail}\n`);
    };
  return { error: emit('warn'), warn: emit('warn'), info: emit('info'), debug: emit('debug'), verbose: emit('trace') };
}

/** A failed export comes as the error's JSON (its stack, code, ...): its message is what a person needs. */
function errorMessage(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : message;
  } catch {
    return message;
  }
}

function safeJson(v: unknown): string {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return String(v);
  }
}
