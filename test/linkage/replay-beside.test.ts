/**
 * A run's lake ingest goes on beside its steps; its retries must not make the run's history replay
 * differently. Local-activity results that arrived in separate activations are replayed together, so two
 * commands issued in reaction to two of them (the outcome's upsert after ERP refused the order, the
 * ingest's retry timer after the lake refused a few ms later) came out in the other order on replay: every
 * one of these runs failed to replay before the ingest's retries waited for the steps.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { EVENT_TYPES } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { fetchHistories, replayHistories } from '../../ops/commands/replay';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('replay-beside');
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});

it('runs refused by ERP while their lake ingest is refused a moment later replay as they ran', async () => {
  const tenant = uniqueTenant('beside');
  // The lake refuses the first ingests, each a few ms after ERP refused the run's order.
  await env.api.fault(
    { method: 'POST', path: '/api/datalake/ingest', times: 40, status: 503, delayMs: 8 },
    env.platform.datalakeUrl,
  );
  await env.api.refuseOrders('customer blocked');
  const contracts = [];
  for (let i = 0; i < 10; i++) {
    contracts.push(
      await env.api.signContract(tenant, { customerId: `c-${i}`, contractNo: `HT-B${i}`, amountCents: 10 + i }),
    );
  }
  const events = await settled(env, tenant);
  await env.api.clearFaults();
  await env.api.clearFaults(env.platform.datalakeUrl);

  for (const c of contracts) {
    expect(await countBySource(env.api, tenant, SOURCES.order(c.id))).toMatchObject({ live: 0, cancelled: 0 });
  }
  const contractRuns = events.filter((e) => e.eventType === EVENT_TYPES.contractSigned);
  for (const e of contractRuns) {
    const err = await env.client.workflow
      .getHandle(linkageWorkflowId(e.eventId))
      .result()
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WorkflowFailedError);
  }
  // Each contract still reached the lake: its ingest was retried once the run's steps were done.
  expect(await env.api.table(tenant, 'crm', 'contracts')).toHaveLength(contracts.length);
  const ctx = { client: env.client, namespace: 'default', api: env.api, uiUrl: null };
  const replays = await replayHistories(
    await fetchHistories(
      ctx,
      events.map((e) => linkageWorkflowId(e.eventId)),
    ),
  );
  expect(replays.filter((r) => !r.ok)).toEqual([]);
  expect(replays.length).toBe(events.length);
});
