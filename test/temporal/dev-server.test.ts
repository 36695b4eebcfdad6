/**
 * The launcher's dev server keeps a completed workflow across a stop and a start
 * (its SQLite file), with the project's search attributes registered at start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer } from '../../scripts/dev-server';
import { greetingWorkflow } from '../fixtures/greeting-workflow';
import { freePort } from '../helpers/ports';

it('keeps a completed workflow across a restart of the dev server', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devserver-'));
  const dbFile = path.join(dir, 'temporal.db');
  const port = await freePort();
  const taskQueue = 'persist';

  let server = await startDevServer({ dbFile, port, ui: false });
  try {
    let connection = await Connection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: server.address }),
      taskQueue,
      workflowsPath: require.resolve('../fixtures/greeting-workflow'),
      activities: { greet: async (n: string) => `hello ${n}` },
    });
    const client = new Client({ connection });
    await worker.runUntil(client.workflow.execute(greetingWorkflow, { taskQueue, workflowId: 'kept', args: ['disk'] }));
    await connection.close();
    await server.stop();

    server = await startDevServer({ dbFile, port, ui: false });
    connection = await Connection.connect({ address: server.address });
    const handle = new Client({ connection }).workflow.getHandle('kept');
    const { status } = await handle.describe();
    expect(status.name).toBe('COMPLETED');
    expect(await handle.result()).toBe('hello disk');
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(['LinkageEventType', 'LinkageBusinessKeys']),
    );
    await connection.close();
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
