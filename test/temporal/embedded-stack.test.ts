/**
 * Issue 2, items 1 and 4 (and issue 4's embedded default): `npm start`'s stack — dev server with Web UI,
 * platform, worker — comes up from its launcher, the Web UI answers over HTTP while it runs, a signed
 * contract is linked end to end with every linkage on, and the stack stops cleanly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformClient, waitFor } from '../../common/platform-client';
import { startStack, type Stack } from '../../scripts/start';

let stack: Stack | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('runs the embedded stack: Web UI up, a contract linked with the data lake on', async () => {
  stack = await startStack({
    freePorts: true,
    dataDir,
    env: { TEMPORAL_TASK_QUEUE: 'embedded-stack-test', LOG_LEVEL: 'warn' },
  });

  const ui = await fetch(stack.uiUrl);
  expect(ui.status).toBe(200);
  expect(await ui.text()).toMatch(/<html/i);
  const api = await fetch(
    `${stack.uiUrl}/api/v1/namespaces/default/workflows?query=${encodeURIComponent('WorkflowType="EventPollerWorkflow"')}`,
  );
  expect(api.status).toBe(200);

  const client = new PlatformClient(stack.gatewayUrl, 'smoke-test', stack.datalakeUrl);
  const contract = await client.signContract('acme', { customerId: 'c-1', contractNo: 'HT-S', amountCents: 100 });
  await waitFor(
    'ERP order',
    async () => (await client.list('acme', `/erp/orders?sourceContractId=${contract.id}`)).length === 1,
  );
  await waitFor('ingested', async () => (await client.table('acme', 'crm', 'contracts')).length === 1);

  const { uiUrl } = stack;
  await stack.stop();
  stack = undefined;
  await expect(fetch(uiUrl)).rejects.toThrow();
});
