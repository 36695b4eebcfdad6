/**
 * Tracing for the platform process (common/tracing.ts), started before anything else is loaded:
 * platform/main.ts imports this module first, so `http` is instrumented before fastify and the gateway's
 * proxy load it. Incoming requests continue the caller's trace (`traceparent`); the proxy's calls to the
 * cells carry it on. Null when no OTLP endpoint is configured.
 */
import { startTracing } from '../common/tracing';

export const tracing = startTracing('paas-platform', { incomingHttp: true });
