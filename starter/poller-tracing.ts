/**
 * The poller's spans, when tracing is on (common/tracing.ts); with tracing off these helpers only run what
 * they are given. One business event is one trace, and it starts here:
 *   - `bus.read`: a page read that returned events (or failed), timed from the read's start to its end, with
 *     the cursor and the page's size. An empty long-poll (every POLLER_WAIT_MS) records nothing; the
 *     poller's own workflow and activity are not traced either (worker/start-tracing.ts).
 *   - `linkage.start <eventType>`: one per event, the root of the event's trace, linked to its page's
 *     `bus.read`. It is the active span while the event's workflow is started, so the client interceptor's
 *     `StartWorkflow:<type>` span is its child and hands the context to the run in the workflow's headers:
 *     the run, its steps and their calls to the gateway and the cells all follow in the same trace.
 */
import { SpanKind, SpanStatusCode, trace, type Span, type SpanContext } from '@opentelemetry/api';
import { bounded } from '../common/bounded';
import type { BusEvent } from '../common/events';
import { linkageWorkflowId } from '../common/linkage';
import { activeTracing } from '../common/tracing';

const tracer = trace.getTracer('paas-linkage/poller');

interface PageRead {
  page: { events: unknown[]; nextAfter: number };
  unstartable: unknown[];
}

/** Runs the page read; a page with events (or a failed read) gets its `bus.read` span, whose context it returns. */
export async function traceBusRead<T extends PageRead>(
  after: number,
  read: () => Promise<T>,
): Promise<T & { readSpan?: SpanContext }> {
  if (!activeTracing()) return read();
  const startTime = Date.now();
  const span = (attributes: Record<string, number>): Span =>
    tracer.startSpan('bus.read', {
      root: true,
      kind: SpanKind.CONSUMER,
      startTime,
      attributes: { 'messaging.system': 'paas-bus', 'linkage.bus.after': after, ...attributes },
    });
  let result: T;
  try {
    result = await read();
  } catch (err) {
    const failed = span({});
    failed.recordException(err as Error);
    failed.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
    failed.end();
    throw err;
  }
  const count = result.page.events.length + result.unstartable.length;
  if (!count) return result;
  const done = span({
    'messaging.batch.message_count': count,
    'linkage.bus.next_after': result.page.nextAfter,
    'linkage.bus.malformed': result.unstartable.length,
  });
  done.end();
  return { ...result, readSpan: done.spanContext() };
}

/** Starts the event's workflow under its `linkage.start` span (a new trace, linked to its page's read). */
export async function traceEventStart(
  event: BusEvent,
  readSpan: SpanContext | undefined,
  start: () => Promise<boolean>,
): Promise<boolean> {
  if (!activeTracing()) return start();
  const attributes = {
    'messaging.system': 'paas-bus',
    'messaging.message.id': bounded(event.eventId),
    'linkage.event.id': bounded(event.eventId),
    'linkage.event.type': bounded(event.eventType),
    'linkage.event.seq': event.seq,
    'linkage.tenant': bounded(event.tenantId),
    'linkage.workflow_id': bounded(linkageWorkflowId(event.eventId)),
  };
  const options = { root: true, kind: SpanKind.CONSUMER, attributes, links: readSpan ? [{ context: readSpan }] : [] };
  return tracer.startActiveSpan(`linkage.start ${bounded(event.eventType, 100)}`, options, async (span) => {
    try {
      const started = await start();
      // false: the event already had its workflow (a re-read page, a duplicate event, another worker).
      span.setAttribute('linkage.started', started);
      return started;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
