/**
 * The platform's request spans, when tracing is on (common/tracing.ts, platform/start-tracing.ts): the http
 * instrumentation makes one server span per request, continuing the caller's trace from its `traceparent`,
 * and names it by the method alone. Every service of the platform runs in one process (one OpenTelemetry
 * service, `paas-platform`), so the span is renamed by service and route — `gateway POST /api/v1/:cell/*`,
 * `erp POST /orders`, `datalake POST /api/datalake/ingest` — and carries both as attributes.
 */
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

export const SERVICE_ATTRIBUTE = 'platform.service';

export function nameRequestSpans(app: FastifyInstance, service: string): void {
  app.addHook('onRequest', async (req) => {
    const span = trace.getActiveSpan();
    if (!span) return;
    const route = req.routeOptions.url;
    span.updateName(`${service} ${req.method} ${route ?? '(no route)'}`);
    span.setAttribute(SERVICE_ATTRIBUTE, service);
    if (route) span.setAttribute('http.route', route);
  });
}
