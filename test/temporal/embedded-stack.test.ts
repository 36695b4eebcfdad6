/**
 * `npm start`'s stack — dev server with Web UI,
 * platform, worker — comes up from its launcher, the Web UI answers over HTTP while it runs, a signed
 * contract is linked end to end with every linkage on, and the stack stops cleanly. A start cut short (Ctrl-C
 * while the worker starts) stops what it had started: nothing is left running.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PlatformClient } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { createLogger } from '../../common/logger';
import { StartInterrupted } from '../../common/shutdown';
import { startStack, type Stack } from '../../scripts/start';
import { freePorts } from '../helpers/ports';

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

/** Processes whose environment carries `marker` (this machine's /proc). */
function processesWith(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(marker);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

it('a start cut short while the worker starts stops the platform and Temporal it had started', async () => {
  const interrupted = new AbortController();
  const log = createLogger('npm-start-test');
  log.level = 'silent'; // before the wrap below: pino replaces its methods when the level changes
  const info = log.info.bind(log);
  // Ctrl-C as npm start's signal handler passes it on: the moment the worker is being started.
  log.info = ((...args: unknown[]) => {
    if (args.includes('starting the linkage worker')) interrupted.abort();
    return (info as (...a: unknown[]) => void)(...args);
  }) as typeof log.info;
  const [temporalPort, uiPort, gatewayPort, datalakePort, crm, erp, oa, srm] = await freePorts(8);
  const marker = `TEMPORAL_TASK_QUEUE=embedded-stack-cut-${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-cut-'));
  try {
    await expect(
      startStack({
        temporalPort,
        uiPort,
        gatewayPort,
        datalakePort,
        dataDir: dir,
        env: {
          TEMPORAL_TASK_QUEUE: marker.split('=')[1],
          LOG_LEVEL: 'warn',
          ...{ CRM_PORT: String(crm), ERP_PORT: String(erp), OA_PORT: String(oa), SRM_PORT: String(srm) },
        },
        log,
        signal: interrupted.signal,
      }),
    ).rejects.toBeInstanceOf(StartInterrupted);
    expect(interrupted.signal.aborted).toBe(true);
    // Temporal, its Web UI, the gateway, the cells and the lake are down; no platform or worker process is left.
    for (const port of [temporalPort, uiPort, gatewayPort, datalakePort, crm, erp, oa, srm]) {
      expect([port, await refused(port)]).toEqual([port, true]);
    }
    expect(processesWith(marker)).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
