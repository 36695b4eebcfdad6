/**
 * Configuration is validated at start; a bad variable stops the worker
 * with a message naming it (the process test runs the real `worker/main.ts`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../common/config';
import { ROOT } from '../../scripts/lib/paths';
import { temporalConnectionOptions } from '../../common/temporal-connection';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.toggles).toEqual({ crmToErp: true, erpToSrm: true, allToOa: true, allToDatalake: false });
    expect(c.gatewayUrl).toBe('http://localhost:8000');
    expect(c.datalakeUrl).toBeNull();
    expect(c.token).toBe('smoke-test');
    expect(c.pollIntervalMs).toBe(5000);
    expect(c.temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default', taskQueue: 'paas-linkage' });
    expect(c.retry.windowMs).toBe(24 * 3600 * 1000);
  });

  it('turns the data lake on only with a URL, and prefers GATEWAY_TOKEN', () => {
    const c = loadConfig({
      DATALAKE_URL: 'http://lake:8006/',
      LINK_ERP_TO_SRM: '0',
      EVENT_BUS_TOKEN: 'a',
      GATEWAY_TOKEN: 'b',
    });
    expect(c.toggles).toMatchObject({ allToDatalake: true, erpToSrm: false });
    expect(c.datalakeUrl).toBe('http://lake:8006');
    expect(c.token).toBe('b');
  });

  it.each([
    ['LINK_CRM_TO_ERP', 'maybe'],
    ['LINK_ALL_TO_DATALAKE', 'yes'],
    ['GATEWAY_URL', 'nope'],
    ['DATALAKE_URL', 'ftp://lake'],
    ['SYNC_WORKER_POLL_INTERVAL_SEC', '-1'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['TEMPORAL_TASK_QUEUE', '/_sys/paas-linkage'],
    ['TEMPORAL_TASK_QUEUE', 'paas linkage'],
    ['TEMPORAL_TASK_QUEUE', 'q'.repeat(201)],
    ['INTAKE_TENANT_RATES', 'tenant-a=fast'],
    ['INTAKE_TENANT_RATES', 'tenant-a=0'],
    ['INTAKE_TENANT_RATES', 'tenant-a'],
    ['INTAKE_TENANT_RATES', 'tenant-a=5,tenant-a=2'],
  ])('refuses %s=%s, naming it', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(1);
    expect((err as ConfigError).problems[0]).toContain(`${name}=`);
  });

  it('reads the tenant caps of INTAKE_TENANT_RATES (none by default)', () => {
    expect(loadConfig({}).poller.tenantRates).toEqual({});
    expect(loadConfig({ INTAKE_TENANT_RATES: 'tenant-a=20, tenant-b=0.5,' }).poller.tenantRates).toEqual({
      'tenant-a': 20,
      'tenant-b': 0.5,
    });
  });

  it('never prints a token value', () => {
    expect(() => loadConfig({ GATEWAY_TOKEN: 'secret-123', GATEWAY_URL: 'x' })).toThrow(ConfigError);
    try {
      loadConfig({ GATEWAY_TOKEN: 'secret-123', GATEWAY_URL: 'x' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-123');
    }
  });
});

describe('worker process', () => {
  it.each([
    ['LINK_CRM_TO_ERP', 'maybe'],
    ['GATEWAY_URL', 'nope'],
  ])('refuses to start on %s=%s and names the variable', (name, value) => {
    const res = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['worker/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, [name]: value, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${name}=${JSON.stringify(value)}`);
  });
});

describe('connection to a production cluster', () => {
  it('refuses a client certificate without its key', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/etc/ssl/client.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
  });

  it('reads the mTLS files and the API key; plaintext when none is set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    fs.writeFileSync(path.join(dir, 'c.pem'), 'CERT');
    fs.writeFileSync(path.join(dir, 'k.pem'), 'KEY');
    const opts = temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
        TEMPORAL_TLS_CERT_PATH: path.join(dir, 'c.pem'),
        TEMPORAL_TLS_KEY_PATH: path.join(dir, 'k.pem'),
        TEMPORAL_API_KEY: 'k-1',
      }),
    );
    expect(opts.address).toBe('ns.tmprl.cloud:7233');
    const tls = opts.tls || undefined;
    expect(tls?.clientCertPair?.crt.toString()).toBe('CERT');
    expect(tls?.clientCertPair?.key.toString()).toBe('KEY');
    expect(opts.apiKey).toBe('k-1');
    expect(temporalConnectionOptions(loadConfig({}))).toEqual({ address: 'localhost:7233' });
    // An API key alone turns TLS on; TEMPORAL_TLS=0 keeps it plaintext (a sidecar terminates TLS).
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: 'k-2' })).tls).toEqual({});
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: 'k-2', TEMPORAL_TLS: '0' }))).toEqual({
      address: 'localhost:7233',
      tls: false,
      apiKey: 'k-2',
    });
    expect(() =>
      temporalConnectionOptions(
        loadConfig({ TEMPORAL_TLS_CERT_PATH: '/nope/c.pem', TEMPORAL_TLS_KEY_PATH: '/nope/k.pem' }),
      ),
    ).toThrow(/TEMPORAL_TLS_CERT_PATH=\/nope\/c.pem/);
  });
});
