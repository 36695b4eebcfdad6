/**
 * Upgrade from the previous version's workflow ids. The previous version ran the same workflows, but its
 * poller was `linkage-event-poller-<taskQueue>` and its rule control `linkage-rule-control-<taskQueue>`
 * (ids an event could take). Here a worker without the upgrade step (no poller of its own, no carry-over)
 * runs them under those ids: crm-to-erp is paused there and contracts' runs hold at their ERP order. The
 * new worker then starts: the poller goes on from the old one's cursor (nothing re-linked, nothing
 * skipped), the pause and the held runs move to the new control workflow, the rule stays paused (a
 * contract signed after the upgrade holds too), and a resume makes exactly one order per contract.
 * Events whose ids meet the old ids get a dead letter naming the collision instead of vanishing.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createWorkerActivities } from '../../worker/worker-activities';
import { HttpClient } from '../../activities/http-client';
import { EVENT_TYPES } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { LinkageOutcome } from '../../common/search-attributes';
import {
  legacyPollerWorkflowId,
  legacyRuleControlWorkflowId,
  pollerWorkflowId,
  ruleControlWorkflowId,
} from '../../common/workflow-ids';
import { listRules, resumeRule } from '../../ops/commands/rules';
import type { OpsContext } from '../../ops/context';
import { rulesQuery } from '../../common/rule-signals';
import { pauseRuleSignal, RuleControlWorkflow } from '../../workflows/rule-control';
import { createLinkageEnv, uniqueTenant, workflowBundle, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

jest.setTimeout(300_000);

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('upgrade-ids');
});
afterAll(async () => {
  await env?.stop();
});

const ops = (): OpsContext => ({ client: env.client, namespace: 'default', api: env.api, uiUrl: null });
const count = async (query: string) => (await env.client.workflow.count(query)).count;
const statusOf = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).describe()).status.name;

/** A worker of the previous version: the same workflows and activities, no upgrade step at its start. */
async function previousVersionWorker(): Promise<{ stop(): Promise<void> }> {
  const config = env.config();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: env.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createWorkerActivities(config, env.client, {
      gateway: new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs),
    }),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

it('runs in flight and a paused rule under the old ids carry over; the rule stays paused; a resume links each once', async () => {
  const tq = env.taskQueue;
  const tenant = uniqueTenant('upgrade');
  const legacyControl = legacyRuleControlWorkflowId(tq);
  const legacyPoller = legacyPollerWorkflowId(tq);

  // The previous version: its operator paused crm-to-erp, its poller reads the bus from the start.
  await env.client.workflow.signalWithStart(RuleControlWorkflow, {
    workflowId: legacyControl,
    taskQueue: tq,
    args: [],
    signal: pauseRuleSignal,
    signalArgs: [{ rule: 'crm-to-erp', by: 'ops-before', reason: 'paused before the upgrade' }],
  });
  await env.client.workflow.start('EventPollerWorkflow', {
    workflowId: legacyPoller,
    taskQueue: tq,
    args: [{ after: 0, pollIntervalMs: 1000 }],
  });
  const old = await previousVersionWorker();
  const contracts: Rec[] = [];
  for (let i = 0; i < 4; i++) {
    contracts.push(
      await env.api.signContract(tenant, { customerId: 'c-1', contractNo: `UP-${i}`, amountCents: 100 + i }),
    );
  }
  const held = `LinkageTenant="${tenant}" AND LinkageOutcome="paused"`;
  await waitFor('4 runs held under the old control', async () => (await count(held)) === 4, 120_000, 500);
  await waitFor(
    'the old control holding them',
    async () =>
      (await env.client.workflow.getHandle(legacyControl).query(rulesQuery)).rules.find((r) => r.rule === 'crm-to-erp')
        ?.held === 4,
    60_000,
    500,
  );
  await old.stop();

  // The upgrade.
  await env.startWorker();
  await waitFor('the old poller stopped', async () => (await statusOf(legacyPoller)) === 'TERMINATED', 60_000, 250);
  expect(await statusOf(pollerWorkflowId(tq))).toBe('RUNNING');
  await waitFor('the old control stopped', async () => (await statusOf(legacyControl)) === 'TERMINATED', 60_000, 250);
  const carried = await waitFor(
    'the pause and its held runs under the new control',
    async () => {
      const rule = (await env.client.workflow.getHandle(ruleControlWorkflowId(tq)).query(rulesQuery)).rules.find(
        (r) => r.rule === 'crm-to-erp',
      );
      return rule?.paused && rule.held === 4 ? rule : null;
    },
    60_000,
    500,
  );
  expect(carried.paused).toMatchObject({ by: 'ops-before', reason: 'paused before the upgrade' });

  // Still paused after the upgrade: a new contract holds too, and no order was made.
  contracts.push(await env.api.signContract(tenant, { customerId: 'c-1', contractNo: 'UP-after', amountCents: 999 }));
  await waitFor('5 runs held', async () => (await count(held)) === 5, 120_000, 500);
  expect(await env.api.list(tenant, '/erp/orders')).toEqual([]);
  expect((await listRules(ops(), tq)).rules.find((r) => r.rule === 'crm-to-erp')?.paused).toBeTruthy();

  // Ids that meet the old ones: a dead letter naming the collision, not a silent duplicate.
  const hostile = uniqueTenant('hostile');
  for (const eventId of [`event-poller-${tq}`, `rule-control-${tq}`]) {
    const published = await env.api.publish({
      eventId,
      eventType: 'hr.document.uploaded',
      tenantId: hostile,
      payload: {},
    });
    expect(published.status).toBe(201);
    const [letter] = await waitFor(`the collision letter of ${eventId}`, async () => {
      const l = (await env.api.deadLetters(`?eventId=${eventId}`)).filter((x) => x.step === 'start');
      return l.length ? l : null;
    });
    expect(String(letter.reason)).toMatch(
      /is held by a (EventPollerWorkflow|RuleControlWorkflow) run .*not by this event's linkage/,
    );
  }

  // Resumed: one order per contract, every run completes.
  await resumeRule(ops(), 'crm-to-erp', { by: 'ops-after', ratePerSec: 50 }, tq);
  for (const c of contracts) {
    await waitFor(
      `the order of ${String(c.contractNo)}`,
      async () => (await countBySource(env.api, tenant, SOURCES.order(String(c.id)))).live === 1,
      120_000,
      500,
    );
  }
  for (const c of contracts) {
    expect(await countBySource(env.api, tenant, SOURCES.order(String(c.id)))).toMatchObject({ live: 1, cancelled: 0 });
  }
  const events = await settled(env, tenant, 180_000);
  const signed = events.filter((e) => e.eventType === EVENT_TYPES.contractSigned);
  expect(signed).toHaveLength(5);
  const completed = `LinkageTenant="${tenant}" AND LinkageEventType="${EVENT_TYPES.contractSigned}" AND ${LinkageOutcome.name}="completed"`;
  await waitFor('the completed runs in visibility', async () => (await count(completed)) === 5, 60_000, 500);
  // Each event one run: the new poller did not start the old one's events again.
  for (const e of events) {
    const runs = await env.client.workflow.count(`WorkflowId="${linkageWorkflowId(e.eventId)}"`);
    expect(runs.count).toBe(1);
  }
});
