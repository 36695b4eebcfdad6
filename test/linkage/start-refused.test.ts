/**
 * An event Temporal refuses to start for itself (here over a blob-size limit, lowered on a
 * dedicated dev server so a bus-sized event crosses it) gets a dead letter naming the cause, and the
 * poller moves on to the next event. A Temporal that is merely unavailable would re-read the page instead.
 */
import { Client, Connection } from '@temporalio/client';
import { linkageWorkflowId } from '../../common/linkage';
import { waitFor } from '../../ops/gateway-admin';
import { redriveDeadLetter } from '../../ops/commands/dlq';
import type { OpsContext } from '../../ops/context';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { freePort } from '../helpers/ports';

let server: DevServer;
let env: LinkageEnv;
let client: Client;

beforeAll(async () => {
  server = await startDevServer({
    dbFile: null,
    port: await freePort(),
    ui: false,
    logFile: '/dev/null',
    dynamicConfig: ['limit.blobSize.error=262144', 'limit.blobSize.warn=131072'],
  });
  env = await createLinkageEnv('start-refused');
  await env.startWorker({ TEMPORAL_ADDRESS: server.address });
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
});
afterAll(async () => {
  await env?.stop();
  await client?.connection.close();
  await server?.stop();
});

it('a start refused for the event itself (blob over the limit): a dead letter with the cause, then the next event links', async () => {
  const tenant = uniqueTenant();
  const event = (id: string, blob: string) => ({
    eventId: `${tenant}-${id}`,
    eventType: 'hr.document.uploaded',
    tenantId: tenant,
    payload: { tenantId: tenant, blob },
  });
  const big = event('big', 'x'.repeat(300_000));
  const next = event('next', 'small');
  for (const e of [big, next]) expect((await env.api.publish(e)).status).toBe(201);

  const [letter] = await waitFor('the dead letter of the refused start', async () => {
    const l = await env.api.deadLetters(`?eventId=${big.eventId}`);
    return l.length ? l : null;
  });
  expect(letter).toMatchObject({ step: 'start', tenantId: tenant, eventType: 'hr.document.uploaded' });
  expect(String(letter.reason)).toMatch(/not linked: Temporal refused to start its workflow: .*[Bb]lob/);
  const closed = await waitFor('the next event linked', async () => {
    const d = await client.workflow
      .getHandle(linkageWorkflowId(next.eventId))
      .describe()
      .catch(() => null);
    return d?.status.name === 'COMPLETED' ? d : null;
  });
  expect(closed.status.name).toBe('COMPLETED');
  await expect(client.workflow.getHandle(linkageWorkflowId(big.eventId)).describe()).rejects.toThrow();

  // The cause fixed (a Temporal whose limit takes the event: the jest run's own server), `dlq redrive`
  // starts the linkage from the event the letter stores, and resolves the letter once it linked.
  await env.startWorker({ POLLER_ENABLED: '0' });
  const ops: OpsContext = { client: env.client, namespace: 'default', api: env.api, uiUrl: null, config: env.config() };
  const redriven = await redriveDeadLetter(ops, String(letter.id), { by: 'ops-test', wait: true });
  expect(redriven).toMatchObject({
    resolved: true,
    retry: { workflowId: linkageWorkflowId(big.eventId), outcome: 'completed' },
  });
  const run = await env.client.workflow.getHandle(linkageWorkflowId(big.eventId)).describe();
  expect(run.status.name).toBe('COMPLETED');
  // A second redrive of the resolved letter starts nothing.
  expect((await redriveDeadLetter(ops, String(letter.id), { by: 'ops-test' })).error).toBeDefined();
  expect((await env.client.workflow.count(`WorkflowId="${linkageWorkflowId(big.eventId)}"`)).count).toBe(1);
});
