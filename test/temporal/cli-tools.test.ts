/**
 * The `temporal` CLI and `tctl` built by the setup step both list the workflows of a
 * dev server (the same commands the README gives).
 */
import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { tctlPath, temporalCliPath } from '../../scripts/lib/paths';
import { greetingWorkflow } from '../fixtures/greeting-workflow';

const address = () => process.env.TEMPORAL_ADDRESS!;
const workflowId = `cli-listed-${Date.now()}`;

beforeAll(async () => {
  const taskQueue = 'cli-tools';
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: address() }),
    taskQueue,
    workflowsPath: require.resolve('../fixtures/greeting-workflow'),
    activities: { greet: async (n: string) => n },
  });
  const connection = await Connection.connect({ address: address() });
  await worker.runUntil(
    new Client({ connection }).workflow.execute(greetingWorkflow, { taskQueue, workflowId, args: ['x'] }),
  );
  await connection.close();
});

const run = (bin: string, args: string[]) => execFileSync(bin, args, { encoding: 'utf8', timeout: 30_000 });

it('temporal workflow list shows it', () => {
  const out = run(temporalCliPath(), [
    'workflow',
    'list',
    '--address',
    address(),
    '--query',
    `WorkflowId="${workflowId}"`,
  ]);
  expect(out).toContain(workflowId);
  expect(out).toContain('Completed');
});

it('tctl workflow list shows it', () => {
  const out = run(tctlPath(), ['--address', address(), 'workflow', 'list', '--query', `WorkflowId="${workflowId}"`]);
  expect(out).toContain(workflowId);
});
