/**
 * Secrets never reach a log. A worker process runs with every secret set — the gateway token,
 * TEMPORAL_API_KEY, and (in a second process) an mTLS client key — at debug level, links a contract, and
 * every line it wrote is scanned for each secret's value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SOURCES, countBySource } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { startService } from '../../scripts/service-process';
import { createLinkageEnv, uniqueTenant, workflowBundleFile, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('secrets');
});
afterAll(async () => {
  await env?.stop();
});

const secret = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;

function leaks(lines: string, secrets: string[]): string[] {
  return secrets.filter((s) => lines.includes(s));
}

it('a linking worker with the gateway token and an API key set at debug level logs neither', async () => {
  const apiKey = secret('api-key');
  const out: string[] = [];
  const worker = await startService({
    name: 'worker',
    entry: 'worker/main.ts',
    // The dev server takes no API key: TEMPORAL_TLS=0 sends it in plaintext (as to a local TLS sidecar).
    env: {
      WORKFLOW_BUNDLE_PATH: await workflowBundleFile(),
      ...env.env,
      TEMPORAL_API_KEY: apiKey,
      TEMPORAL_TLS: '0',
      LOG_LEVEL: 'debug',
    },
    readyLine: 'WORKER_READY',
    readyTimeoutMs: 120_000,
    onOutput: (chunk) => out.push(chunk),
  });
  try {
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'c', contractNo: 'S-1', amountCents: 1 });
    await waitFor(
      'the contract linked',
      async () => (await countBySource(env.api, tenant, SOURCES.order(contract.id))).live === 1,
    );
  } finally {
    await worker.stop();
  }
  const text = out.join('');
  expect(text.split('\n').length).toBeGreaterThan(20);
  expect(text).toContain('starting linkage worker');
  expect(leaks(text, [env.platform.token, apiKey])).toEqual([]);
});

it('a worker with an mTLS client key and an API key that cannot connect logs neither in its errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const keyBody = secret('tls-key');
  const apiKey = secret('api-key');
  fs.writeFileSync(
    path.join(dir, 'client.pem'),
    `-----BEGIN CERTIFICATE-----\n${secret('cert')}\n-----END CERTIFICATE-----\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'client.key'),
    `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`,
  );
  const out: string[] = [];
  const worker = startService({
    name: 'worker',
    entry: 'worker/main.ts',
    env: {
      WORKFLOW_BUNDLE_PATH: await workflowBundleFile(),
      ...env.env,
      TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
      TEMPORAL_API_KEY: apiKey,
      LOG_LEVEL: 'debug',
    },
    readyLine: 'WORKER_READY',
    readyTimeoutMs: 60_000,
    onOutput: (chunk) => out.push(chunk),
  });
  // TLS towards the plaintext dev server (and a key that is no key) cannot work: the worker stops.
  await expect(worker).rejects.toThrow(/exited before it was ready/);
  const text = out.join('');
  expect(text).toContain('starting linkage worker');
  expect(leaks(text, [env.platform.token, apiKey, keyBody])).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
});
