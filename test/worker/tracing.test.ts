/**
 * One business event is one trace. A real platform process and a real worker process
 * (which bundles the workflows itself, with the tracing interceptors) export to an in-process OTLP/HTTP
 * collector; one contract is signed, its run completes, both processes are stopped gracefully — the batch
 * delay is ten minutes, so every span arrives by the shutdown flush — and the contract's trace is checked:
 * the poller's event span, the workflow start and run, each step (local activities), each HTTP call of the
 * worker, and on the platform's side the gateway, the ERP and OA cells behind its proxy and the data lake,
 * all with one trace id and each span's parent where it belongs. The traced run then replays on the bundle
 * without tracing, and the committed histories on the bundle with it: tracing can be switched either way
 * with runs in flight. Tracing off (every other suite) is the default; its settings are checked here too.
 */
import path from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ROOT } from '../../scripts/lib/paths';
import { waitFor } from '../../ops/gateway-admin';
import { tracingEnabled, tracingSettings } from '../../common/tracing';
import { samplerFromEnv } from '../../common/tracing-sdk';
import { loadHistoryFiles } from '../../ops/commands/replay';
import { startService, type ServiceProcess } from '../../scripts/service-process';
import { errorsOnlyLogger } from '../../worker/logging';
import {
  bundleHasTracing,
  bundleLinkageWorkflows,
  TRACING_INTERCEPTORS_PATH,
  workflowInterceptorModules,
  WORKFLOWS_PATH,
} from '../../worker/workflow-bundle';
import { createLinkageEnv, uniqueTenant, workflowBundle, type LinkageEnv } from '../helpers/linkage-env';
import { SPAN_KIND, startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../helpers/otlp-collector';

describe('tracing settings (the standard OTEL_* variables)', () => {
  it('is off without an endpoint, and when disabled', () => {
    expect(tracingSettings({})).toBeNull();
    expect(tracingEnabled({})).toBe(false);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    // This jest run sets none of them: the workflow bundle of every other suite has no tracing module.
    expect(tracingEnabled()).toBe(false);
    expect(workflowInterceptorModules()).toEqual([]);
    expect(workflowInterceptorModules({ tracing: true })).toEqual([TRACING_INTERCEPTORS_PATH]);
  });

  it('takes the traces endpoint as is, or the base endpoint with /v1/traces', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      endpoint: 'http://collector:4318/v1/traces',
      warnings: [],
    });
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/v1/traces',
    };
    expect(tracingSettings(both)?.endpoint).toBe('https://tempo.example/otlp/v1/traces');
    const grpc = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(grpc?.warnings).toEqual([expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL=grpc')]);
  });

  it('samples as OTEL_TRACES_SAMPLER says, leaving out the roots it is told to', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const decide = (sampler: ReturnType<typeof samplerFromEnv>, name: string) =>
      sampler.shouldSample(ROOT_CONTEXT, traceId, name, 0, {}, []).decision;
    const worker = samplerFromEnv({}, /^StartWorkflow(:|$)/);
    expect(decide(worker, 'StartWorkflow:EventPollerWorkflow')).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(worker, 'linkage.start crm.contract.signed')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }), 'x')).toBe(SamplingDecision.NOT_RECORD);
    const none = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    expect(decide(none, 'x')).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('one contract, one trace', () => {
  let collector: OtlpCollector;
  let env: LinkageEnv;
  let worker: ServiceProcess | undefined;
  /** The traced run, for the replay check. */
  let tracedRun: WorkflowHandle | undefined;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    // Spans leave only by the shutdown flush: nothing is sent before the processes stop.
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '600000' };
    env = await createLinkageEnv('tracing', otel, { platformEnv: otel });
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.stop();
    await collector?.close();
  });

  it('follows a signed contract from the bus read to the cells and the data lake', async () => {
    // No WORKFLOW_BUNDLE_PATH: the worker bundles the workflows at start, as `npm run worker` does.
    const output: string[] = [];
    worker = await startService({
      name: 'worker',
      entry: 'worker/main.ts',
      env: { ...env.env, WORKFLOW_BUNDLE_PATH: '' },
      readyLine: 'WORKER_READY',
      readyTimeoutMs: 180_000,
      onOutput: (chunk) => output.push(chunk),
    });
    const tenant = uniqueTenant();
    await env.api.signContract(tenant, { customerId: 'c-otel', contractNo: 'OT-1', amountCents: 4200 });
    const { event, handle } = await env.runOf(
      'the contract',
      (e) => e.eventType === 'crm.contract.signed' && e.tenantId === tenant,
    );
    expect((await handle.result()).outcome).toBe('completed');
    tracedRun = handle;

    // Graceful stops flush the spans still batched.
    await worker.stop();
    await env.platform.stop();
    expect(collector.requests.refused).toBe(0);
    // No warning or error (LOG_LEVEL=warn): no failed export, no unregistered sink, no bundle without tracing.
    expect(
      output
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{')),
    ).toEqual([]);

    const start = await waitFor('the event span', async () =>
      collector.spans.find(
        // The span that started the run (a page read again would add one with linkage.started=false).
        (s) =>
          s.name.startsWith('linkage.start') &&
          s.attributes['linkage.event.id'] === event.eventId &&
          s.attributes['linkage.started'] === true,
      ),
    );
    const trace = collector.spans.filter((s) => s.traceId === start.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: CollectedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const named = (prefix: string) => trace.filter((s) => s.name.startsWith(prefix));
    const one = (prefix: string) => {
      const found = named(prefix);
      expect(found.map((s) => s.name)).toEqual([expect.stringMatching(new RegExp(`^${prefix}`))]);
      return found[0];
    };
    const dump = () => trace.map((s) => `${s.service} ${s.name} ${s.spanId} ← ${s.parentSpanId ?? 'root'}`).join('\n');
    if (process.env.TRACING_TEST_DUMP) console.log(dump());

    // The poller: the event's span is the trace's root, linked to its page's bus read (a trace of its own).
    expect(start).toMatchObject({ service: 'paas-linkage-worker', kind: SPAN_KIND.consumer });
    expect(start.parentSpanId).toBeUndefined();
    expect(start.attributes).toMatchObject({ 'linkage.event.type': 'crm.contract.signed', 'linkage.started': true });
    const read = collector.spans.find((s) => s.spanId === start.links[0]?.spanId);
    expect(read).toMatchObject({ name: 'bus.read', service: 'paas-linkage-worker', traceId: start.links[0].traceId });

    // The workflow: started under the event's span (client interceptor), run under the start (headers).
    const startWorkflow = one('StartWorkflow:ContractSignedWorkflow');
    expect(parentOf(startWorkflow)).toBe(start);
    expect(startWorkflow.attributes.temporalWorkflowId).toBe(handle.workflowId);
    const run = one('RunWorkflow:ContractSignedWorkflow');
    expect(parentOf(run)).toBe(startWorkflow);

    // The steps, local activities: scheduled by the run, executed under their schedule span.
    const steps = ['createErpOrder', 'createApproval', 'ingestRecords'];
    for (const step of steps) {
      const scheduled = named(`StartActivity:${step}`);
      const executed = named(`RunActivity:${step}`);
      expect(scheduled.length).toBeGreaterThan(0);
      expect(executed.length).toBeGreaterThan(0);
      for (const s of scheduled) expect(parentOf(s)).toBe(run);
      for (const e of executed) expect(parentOf(e)?.name).toBe(`StartActivity:${step}`);
    }

    // Each HTTP call of a step, under its step; the gateway and the data lake continue from the call.
    const calls = trace.filter((s) => s.service === 'paas-linkage-worker' && s.kind === SPAN_KIND.client);
    expect(calls.length).toBeGreaterThanOrEqual(steps.length);
    for (const c of calls) expect(parentOf(c)?.name).toMatch(/^RunActivity:/);
    const callOf = (step: string) => calls.filter((c) => parentOf(c)?.name === `RunActivity:${step}`);

    const platform = trace.filter((s) => s.service === 'paas-platform');
    const server = (service: string) =>
      platform.filter((s) => s.kind === SPAN_KIND.server && s.attributes['platform.service'] === service);
    const gateway = server('gateway');
    expect(gateway.length).toBeGreaterThanOrEqual(2);
    for (const g of gateway) expect(calls).toContain(parentOf(g));
    expect(gateway.map((g) => g.name)).toContain('gateway POST /api/v1/:cell/*');

    // The cells, behind the gateway's proxy: its call to the cell is the cell's parent.
    for (const [cell, step] of [
      ['erp', 'createErpOrder'],
      ['oa', 'createApproval'],
    ]) {
      const spans = server(cell);
      expect(spans.length).toBeGreaterThan(0);
      for (const s of spans) {
        const proxyCall = parentOf(s)!;
        expect(proxyCall).toMatchObject({ service: 'paas-platform', kind: SPAN_KIND.client });
        const viaGateway = parentOf(proxyCall)!;
        expect(gateway).toContain(viaGateway);
        expect(callOf(step)).toContain(parentOf(viaGateway));
      }
    }
    // The data lake is called directly (DATALAKE_URL) by the ingest step.
    const lake = server('datalake');
    expect(lake.map((s) => s.name)).toContain('datalake POST /api/datalake/ingest');
    for (const s of lake) expect(callOf('ingestRecords')).toContain(parentOf(s));

    // Every span of the trace hangs from its root, and nothing of the poller's own machinery is traced.
    expect(trace.filter((s) => s !== start && !parentOf(s)).map((s) => s.name)).toEqual([]);
    const poller = collector.spans.filter((s) => /EventPollerWorkflow|pollAndStart/.test(s.name));
    expect(poller.map((s) => s.name)).toEqual([]);
  });

  it('replays across the switch: the traced run without tracing, the committed histories with it', async () => {
    // Tracing can be turned on or off on a deployment with runs in flight: the interceptors add no command.
    if (!tracedRun) throw new Error('needs the traced run of the test before');
    const plain = await workflowBundle();
    expect(bundleHasTracing(plain.code)).toBe(false);
    const traced = await bundleLinkageWorkflows(WORKFLOWS_PATH, errorsOnlyLogger, { tracing: true });
    expect(bundleHasTracing(traced.code)).toBe(true);
    const sinks = { exporter: { export: { fn: () => undefined } } };
    const history = await tracedRun.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: plain, replayName: 'tracing-off' }, history, tracedRun.workflowId);
    await Worker.runReplayHistory({ workflowBundle: traced, sinks, replayName: 'tracing-on' }, history);
    for (const h of loadHistoryFiles(path.join(ROOT, 'test/histories'))) {
      await Worker.runReplayHistory(
        { workflowBundle: traced, sinks, replayName: 'tracing-on' },
        h.history,
        h.workflowId,
      );
    }
  });
});
