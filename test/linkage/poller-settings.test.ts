/**
 * The poller's settings are the worker's, read at its start, not frozen into the poller's first
 * input. A poller started under SYNC_WORKER_POLL_INTERVAL_SEC=1 is served after a restart by a worker with
 * 3: a failed bus read is then retried after 3 s — what the server was told (nextRetryDelay), read back
 * from the pending activity, not timed.
 */
import { pollerWorkflowId } from '../../common/linkage';
import { waitFor } from '../../ops/gateway-admin';
import { createLinkageEnv, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('poller-settings');
});
afterAll(async () => {
  await env?.api.clearFaults().catch(() => undefined);
  await env?.stop();
});

it('a failed bus read is retried after the running worker’s SYNC_WORKER_POLL_INTERVAL_SEC', async () => {
  const poller = env.client.workflow.getHandle(pollerWorkflowId(env.taskQueue));
  const first = await env.startWorker({ SYNC_WORKER_POLL_INTERVAL_SEC: '1' });
  await waitFor('the poller', async () => (await poller.query<number>('cursor')) >= 0);
  await first.stop();

  await env.startWorker({ SYNC_WORKER_POLL_INTERVAL_SEC: '3' });
  await env.api.fault({ method: 'GET', path: '/api/events', times: -1, status: 401 });
  const failure = await waitFor('a failed bus read', async () => {
    const { raw } = await poller.describe();
    const last = raw.pendingActivities?.[0]?.lastFailure;
    return last?.message?.includes('answered 401') ? last : null;
  });
  expect(failure.message).toContain('GET /api/events answered 401');
  expect(Number(failure.applicationFailureInfo?.nextRetryDelay?.seconds)).toBe(3);
});
