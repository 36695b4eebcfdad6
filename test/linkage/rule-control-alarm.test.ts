/**
 * The rule-control id held by a workflow of another type (started by hand, or a deployment mixing task
 * queues): its `rules` query is not registered, so the rule state cannot be read. That is a configuration
 * alarm (log, `linkage_config_alarm`, /healthz 503), not a retry: linkages go on as if no rule were
 * paused, and a contract still gets exactly one ERP order.
 */
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { ruleControlWorkflowId } from '../../common/workflow-ids';
import { linkageInput } from '../../starter/start-linkage';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { freeMetricsPort } from '../helpers/ports';

let env: LinkageEnv;
let metricsPort: number;
beforeAll(async () => {
  env = await createLinkageEnv('rule-control-alarm');
  metricsPort = await freeMetricsPort();
});
afterAll(async () => {
  await env?.stop();
});

it('a rule-control id answering as another type: an alarm in /healthz and the metrics, and linkages go on', async () => {
  const tenant = uniqueTenant('alarm');
  const impostor = {
    eventId: 'impostor',
    eventType: 'hr.document.uploaded',
    tenantId: tenant,
    seq: 0,
    occurredAt: new Date().toISOString(),
    payload: { tenantId: tenant },
  };
  await env.client.workflow.start('GenericEventWorkflow', {
    workflowId: ruleControlWorkflowId(env.taskQueue),
    taskQueue: env.taskQueue,
    args: [linkageInput(env.config(), impostor)],
  });
  await env.startWorker({ METRICS_PORT: String(metricsPort) });

  const contract = await env.api.signContract(tenant, { customerId: 'c-1', contractNo: 'AL-1', amountCents: 100 });
  await waitFor(
    'the order made despite the unreadable rule state',
    async () => (await countBySource(env.api, tenant, SOURCES.order(String(contract.id)))).live === 1,
    120_000,
    500,
  );
  expect(await countBySource(env.api, tenant, SOURCES.order(String(contract.id)))).toMatchObject({ live: 1 });

  const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  expect(health.status).toBe(503);
  expect(((await health.json()) as { status: string }).status).toMatch(
    /configuration alarm: the rule-control id paas-linkage:rule-control:.* is held by a workflow that is not a RuleControlWorkflow/,
  );
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/^linkage_config_alarm 1$/m);
});
