/**
 * The worker misconfigured, one setting at a time, as the real process (`worker/main.ts`) against the real
 * platform and the jest run's Temporal: either it refuses to start (exit code, stderr naming the variable and
 * what to do) or it runs and says so loudly (/healthz 503 with the cause, an error line). Either way no event
 * is skipped: the contracts signed meanwhile are each linked exactly once after the fix (one live ERP order,
 * a completed run), without a dead letter.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { linkageWorkflowId, pollerWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { ROOT } from '../../scripts/lib/paths';
import { createNamespace } from '../../scripts/temporal-namespace';
import { createLinkageEnv, uniqueTenant, workflowBundleFile, type LinkageEnv } from '../helpers/linkage-env';
import { freeMetricsPort, freePort } from '../helpers/ports';

/** A tenant's token: known to the platform, but it may read only its own tenant's events. */
const TENANT_TOKEN = 'tok-acme-misconfig-0123456789';
const tried: string[] = [];
let env: LinkageEnv;
let notALake: http.Server;

beforeAll(async () => {
  env = await createLinkageEnv(
    'misconfig',
    {},
    {
      platformEnv: {
        PLATFORM_TOKENS: JSON.stringify({
          tokens: [
            { token: 'smoke-test', role: 'admin', name: 'admin' },
            { token: TENANT_TOKEN, role: 'tenant', tenants: ['acme'], name: 'acme' },
          ],
        }),
      },
    },
  );
  // A server that is up but is no lake: 404 to everything.
  notALake = http.createServer((_req, res) => res.writeHead(404).end('{"error":"not found"}'));
  await new Promise<void>((r) => notALake.listen(0, '127.0.0.1', r));
}, 120_000);

afterAll(async () => {
  // The closing note quotes this count.
  console.log(`misconfigurations tried: ${tried.length}\n  - ${tried.join('\n  - ')}`);
  notALake?.close();
  await env?.stop();
});

/** The worker process on the suite's environment with `overrides`, run until it exits (a refusal). */
function runToExit(overrides: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return workflowBundleFile().then(
    (bundle) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker/main.ts')], {
          cwd: ROOT,
          env: { ...process.env, WORKFLOW_BUNDLE_PATH: bundle, ...env.env, ...overrides },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        let stdout = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the worker did not refuse to start within 60 s:\n${stdout}\n${stderr}`));
        }, 60_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      }),
  );
}

async function signContract(tenant: string): Promise<string> {
  const c = await env.api.signContract(tenant, { customerId: 'cus-m', contractNo: `HT-${tenant}`, amountCents: 100 });
  return String(c.id);
}

/** Each contract: its run completed, exactly one live ERP order, and no dead letter of the tenant. */
async function linkedOnce(client: Client, tenant: string, contractIds: string[]): Promise<void> {
  for (const id of contractIds) {
    const event = await env.busEvent(`contract ${id}: its event`, (e) => e.payload.contractId === id);
    const handle = client.workflow.getHandle(linkageWorkflowId(event.eventId));
    await waitFor(`contract ${id}: its run`, () => handle.describe().catch(() => null), 60_000);
    expect((await handle.result()).outcome).toBe('completed');
    expect(await countBySource(env.api, tenant, SOURCES.order(id))).toMatchObject({ live: 1, cancelled: 0 });
  }
  expect(await env.api.deadLetters(`?tenantId=${tenant}`)).toEqual([]);
}

/** The fix: the suite's own configuration links what was published meanwhile. */
async function afterTheFix(tenant: string, contractIds: string[]): Promise<void> {
  const worker = await env.startWorkerProcess();
  try {
    await linkedOnce(env.client, tenant, contractIds);
  } finally {
    await worker.stop();
  }
}

type Refusal = [what: string, overrides: () => Promise<Record<string, string>>, exit: number, stderr: RegExp[]];
const refusals: Refusal[] = [
  [
    'namespace missing',
    async () => ({ TEMPORAL_NAMESPACE: 'does-not-exist' }),
    2,
    [
      /TEMPORAL_NAMESPACE=does-not-exist: .*not found/i,
      /temporal operator namespace create --namespace does-not-exist/,
    ],
  ],
  [
    'namespace without the Linkage* search attributes',
    async () => {
      const namespace = `misconfig-bare-${Date.now().toString(36)}`;
      await env.client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      // Registered is not yet served: wait until the namespace answers, still without the attributes.
      await waitFor('the bare namespace', () =>
        env.client.connection.operatorService.listSearchAttributes({ namespace }).catch(() => null),
      );
      return { TEMPORAL_NAMESPACE: namespace };
    },
    2,
    [
      /TEMPORAL_NAMESPACE=misconfig-bare-\S+ lacks the search attributes LinkageEventType, LinkageEventId, LinkageTenant, LinkageBusinessKeys, LinkageOutcome/,
      /temporal operator search-attribute create --namespace misconfig-bare-\S+ --name LinkageEventType --type Keyword/,
    ],
  ],
  [
    'task queue with Temporal’s reserved prefix',
    async () => ({ TEMPORAL_TASK_QUEUE: '/_sys/paas-linkage' }),
    2,
    [/TEMPORAL_TASK_QUEUE="\/_sys\/paas-linkage": .*not starting with \/_sys\//],
  ],
  [
    'task queue with a blank in it',
    async () => ({ TEMPORAL_TASK_QUEUE: 'paas linkage' }),
    2,
    [/TEMPORAL_TASK_QUEUE="paas linkage": .*without blanks/],
  ],
  [
    'Temporal unreachable',
    async () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` }),
    1,
    [/TEMPORAL_ADDRESS=127\.0\.0\.1:\d+: Temporal cannot be reached \(.*[Cc]onnection refused/],
  ],
  [
    'a tenant token for the bus',
    async () => ({ GATEWAY_TOKEN: TENANT_TOKEN }),
    2,
    [/GATEWAY_TOKEN \/ EVENT_BUS_TOKEN: the bus at \S+ refused it: .*403/, /needs a service \(or admin\) token/],
  ],
  [
    'DATALAKE_URL is the gateway',
    async () => ({ DATALAKE_URL: env.platform.gatewayUrl }),
    2,
    [/DATALAKE_URL=http:\/\/127\.0\.0\.1:\d+ is not a data lake \(.*answered 404/, /set it to the lake's base URL/],
  ],
  [
    'DATALAKE_URL answers 404',
    async () => ({ DATALAKE_URL: `http://127.0.0.1:${(notALake.address() as AddressInfo).port}` }),
    2,
    [/DATALAKE_URL=\S+ is not a data lake \(.*answered 404/],
  ],
];

it.each(refusals)(
  '%s: refused at start, and the contract signed meanwhile links once after the fix',
  async (what, overrides, exit, messages) => {
    tried.push(what);
    const tenant = uniqueTenant();
    const contract = await signContract(tenant);
    const { code, stderr } = await runToExit(await overrides());
    expect(code).toBe(exit);
    for (const m of messages) expect(stderr).toMatch(m);
    // A clear message, not a stack.
    expect(stderr).not.toMatch(/^\s+at /m);
    await afterTheFix(tenant, [contract]);
  },
);

it('an unreachable data lake only warns: the worker starts, naming DATALAKE_URL', async () => {
  tried.push('data lake unreachable');
  const tenant = uniqueTenant();
  const contract = await signContract(tenant);
  // No poller: this case is about the start, the linkage of the contract is the fixed worker's.
  const worker = await env.startWorkerProcess({
    DATALAKE_URL: `http://127.0.0.1:${await freePort()}`,
    POLLER_ENABLED: '0',
  });
  expect(worker.tail()).toMatch(/DATALAKE_URL=http:\/\/127\.0\.0\.1:\d+: the data lake is not reachable yet/);
  await worker.stop();
  await afterTheFix(tenant, [contract]);
});

it('a valid but different task queue links on its own queue: nothing skipped, nothing linked twice', async () => {
  tried.push('a different task queue');
  const tenant = uniqueTenant();
  const before = await signContract(tenant);
  await afterTheFix(tenant, [before]);
  // The other queue's poller reads the bus from the start: what is linked already is a duplicate by id.
  const other = `${env.taskQueue}-other`;
  const worker = await env.startWorkerProcess({ TEMPORAL_TASK_QUEUE: other });
  const during = await signContract(tenant);
  try {
    await linkedOnce(env.client, tenant, [before, during]);
  } finally {
    await worker.stop();
    await env.client.workflow.getHandle(pollerWorkflowId(other)).terminate('test over');
  }
  // Back on the suite's queue: its poller re-reads what the other one linked, and starts nothing again.
  const after = await signContract(tenant);
  await afterTheFix(tenant, [before, during, after]);
}, 240_000);

it('a search attribute removed while the worker runs: the poller holds (healthz 503, logged), then links every contract once', async () => {
  tried.push('a search attribute removed while running');
  const namespace = `misconfig-sa-${Date.now().toString(36)}`;
  await createNamespace(env.client, namespace);
  const client = new Client({ connection: env.client.connection, namespace });
  const metricsPort = await freeMetricsPort();
  const healthz = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    return { status: res.status, body: (await res.json()) as { ok: boolean; status: string } };
  };
  const worker = await env.startWorkerProcess({
    TEMPORAL_NAMESPACE: namespace,
    METRICS_PORT: String(metricsPort),
    POLLER_START_AFTER: 'head',
  });
  await waitFor('healthz 200', async () => (await healthz()).status === 200);

  await env.client.connection.operatorService.removeSearchAttributes({
    namespace,
    searchAttributes: ['LinkageOutcome'],
  });
  const tenant = uniqueTenant();
  const contracts = [await signContract(tenant), await signContract(tenant)];
  const health = await waitFor('healthz 503', async () => {
    const h = await healthz();
    return h.status === 503 ? h.body : null;
  });
  expect(health.status).toMatch(/poller failing since .*no mapping defined for search attribute LinkageOutcome/);
  await waitFor('the error line', async () => /bus read failed; retrying/.test(worker.tail()) || null);
  expect(worker.tail()).toMatch(/LinkageOutcome/);
  for (const id of contracts) {
    const event = await env.busEvent('the held contract', (e) => e.payload.contractId === id);
    await expect(client.workflow.getHandle(linkageWorkflowId(event.eventId)).describe()).rejects.toThrow();
    expect(await countBySource(env.api, tenant, SOURCES.order(id))).toMatchObject({ live: 0 });
  }
  expect(await env.api.deadLetters(`?tenantId=${tenant}`)).toEqual([]);

  await env.client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: { LinkageOutcome: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
  });
  await linkedOnce(client, tenant, contracts);
  await waitFor('healthz 200 again', async () => (await healthz()).status === 200);
  await worker.stop();
});
