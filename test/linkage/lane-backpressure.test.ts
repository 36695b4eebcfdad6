/**
 * A lane's backpressure (starter/run-queue-room.ts) against the jest run's server: runs started on a queue
 * no worker polls are the backlog the server counts; a lane page waits while it is at the limit, and goes
 * on at once below it or with the limit off.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../common/config';
import { waitFor } from '../../ops/gateway-admin';
import { runQueueBacklog, waitForRunQueueRoom } from '../../starter/run-queue-room';

const BACKLOG = 5;
let connection: Connection;
let client: Client;
let config: Config;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const withLimit = (limit: number): Config => ({ ...config, poller: { ...config.poller, laneMaxBacklog: limit } });

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const taskQueue = `lane-backpressure-${Date.now().toString(36)}`;
  config = loadConfig({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GATEWAY_URL: 'http://127.0.0.1:9',
    GATEWAY_TOKEN: 'unused-here',
    DATALAKE_URL: '',
  });
  for (let i = 0; i < BACKLOG; i++) {
    await client.workflow.start('NoWorkerRunsThis', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [] });
  }
  await waitFor('the backlog counted', async () => (await runQueueBacklog(client, config)) === BACKLOG, 30_000);
});

afterAll(async () => {
  for (let i = 0; i < BACKLOG; i++) {
    await client.workflow
      .getHandle(`${config.temporal.taskQueue}-${i}`)
      .terminate('test done')
      .catch(() => undefined);
  }
  await connection?.close();
});

it('holds a lane page while the runs waiting for a worker are at the limit', async () => {
  expect(await waitForRunQueueRoom(client, withLimit(BACKLOG), 1_500, sleep)).toBe(false);
  expect(await waitForRunQueueRoom(client, withLimit(1), 1_500, sleep)).toBe(false);
});

it('lets it go below the limit, and never holds with the limit off', async () => {
  expect(await waitForRunQueueRoom(client, withLimit(BACKLOG + 1), 1_500, sleep)).toBe(true);
  expect(await waitForRunQueueRoom(client, withLimit(0), 1_500, sleep)).toBe(true);
});

it('a server that cannot answer does not hold the lane, and says why', async () => {
  const elsewhere: Config = { ...withLimit(1), temporal: { ...config.temporal, namespace: 'no-such-namespace' } };
  const warnings: string[] = [];
  expect(await waitForRunQueueRoom(client, elsewhere, 1_500, sleep, (m) => warnings.push(m))).toBe(true);
  expect(warnings.join('\n')).toMatch(/INTAKE_LANE_MAX_BACKLOG: .*not held/);
});
