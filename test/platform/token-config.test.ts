/**
 * The token map's configuration: PLATFORM_TOKENS_FILE / PLATFORM_TOKENS validated at start (exit 2 naming
 * the variable, never printing a token), PLATFORM_ADMIN_TOKEN alongside, and today's single admin token
 * when neither is set. End to end with the platform as a child process.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/paths';
import { ConfigError, optionsFromEnv } from '../../platform/shared/config';
import { startPlatformProcess } from '../helpers/platform-process';
import { call, eventually, tempDir } from './support';

const SECRET = 'sEcReT-value-that-must-not-be-printed';

/** The ConfigError message of an environment, or null when it is accepted. */
function refusal(env: Record<string, string>): string | null {
  try {
    optionsFromEnv(env);
    return null;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

describe('optionsFromEnv', () => {
  test('neither variable: GATEWAY_TOKEN ?? EVENT_BUS_TOKEN ?? smoke-test is the one admin token', () => {
    expect(optionsFromEnv({}).tokens).toEqual({ tokens: [{ token: 'smoke-test', role: 'admin', name: 'admin' }] });
    expect(optionsFromEnv({ EVENT_BUS_TOKEN: 'b' }).tokens?.tokens.map((t) => t.token)).toEqual(['b']);
    expect(optionsFromEnv({ EVENT_BUS_TOKEN: 'b', GATEWAY_TOKEN: 'g' }).tokens?.tokens.map((t) => t.token)).toEqual([
      'g',
    ]);
  });

  test('PLATFORM_TOKENS inline, PLATFORM_ADMIN_TOKEN appended', () => {
    const map = { tokens: [{ token: 'w', role: 'service' }] };
    const opts = optionsFromEnv({ PLATFORM_TOKENS: JSON.stringify(map), PLATFORM_ADMIN_TOKEN: 'adm' });
    expect(opts.tokens).toEqual({
      tokens: [
        { token: 'w', role: 'service' },
        { token: 'adm', role: 'admin', name: 'PLATFORM_ADMIN_TOKEN' },
      ],
    });
    // Beside the default token too.
    expect(optionsFromEnv({ PLATFORM_ADMIN_TOKEN: 'adm' }).tokens?.tokens.map((t) => [t.token, t.role])).toEqual([
      ['smoke-test', 'admin'],
      ['adm', 'admin'],
    ]);
  });

  test.each([
    ['not JSON', `{"tokens": [${SECRET}`, /PLATFORM_TOKENS: not valid JSON/],
    ['no tokens', '{"tokens": []}', /PLATFORM_TOKENS: tokens: Array must contain at least 1/],
    [
      'an unknown role',
      `{"tokens": [{"token": "a", "role": "${SECRET}"}]}`,
      /tokens\.0\.role: one of tenant, service, admin/,
    ],
    [
      'a tenant token without tenants',
      '{"tokens": [{"token": "a", "role": "tenant"}, {"token": "b", "role": "admin"}]}',
      /tokens\.0\.tenants: a tenant token lists its tenants/,
    ],
    [
      'a tenant token for "*"',
      '{"tokens": [{"token": "a", "role": "tenant", "tenants": ["*"]}]}',
      /tokens\.0\.tenants/,
    ],
    [
      'an admin token for some tenants',
      '{"tokens": [{"token": "a", "role": "admin", "tenants": ["x"]}]}',
      /tokens\.0\.tenants: an admin token acts for all tenants/,
    ],
    [
      'the same token twice',
      `{"tokens": [{"token": "${SECRET}", "role": "admin"}, {"token": "${SECRET}", "role": "tenant", "tenants": ["x"]}]}`,
      /tokens\.1\.token: listed twice/,
    ],
    ['an unknown key', `{"tokens": [{"token": "a", "role": "admin", "${'secret'}": "${SECRET}"}]}`, /Unrecognized key/],
    [
      'tenant tokens only',
      '{"tokens": [{"token": "a", "role": "tenant", "tenants": ["x"]}]}',
      /needs a service token for all tenants or an admin token/,
    ],
  ])('refused: %s, naming the variable and never the token', (_what, value, message) => {
    const msg = refusal({ PLATFORM_TOKENS: value });
    expect(msg).toMatch(message);
    expect(msg).toContain('PLATFORM_TOKENS');
    expect(msg).not.toContain(SECRET);
  });

  test('PLATFORM_TOKENS_FILE: read from the file; unreadable or both variables set are refused', () => {
    const dir = tempDir('tokens');
    try {
      const file = path.join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify({ tokens: [{ token: SECRET, role: 'admin' }] }));
      expect(optionsFromEnv({ PLATFORM_TOKENS_FILE: file }).tokens).toEqual({
        tokens: [{ token: SECRET, role: 'admin' }],
      });
      expect(refusal({ PLATFORM_TOKENS_FILE: path.join(dir, 'missing.json') })).toMatch(
        /PLATFORM_TOKENS_FILE: cannot read .*missing\.json \(ENOENT\)/,
      );
      writeFileSync(file, `{"tokens": [{"token": "${SECRET}", "role": "boss"}]}`);
      const bad = refusal({ PLATFORM_TOKENS_FILE: file });
      expect(bad).toMatch(/PLATFORM_TOKENS_FILE: tokens\.0\.role/);
      expect(bad).not.toContain(SECRET);
      expect(refusal({ PLATFORM_TOKENS_FILE: file, PLATFORM_TOKENS: '{}' })).toMatch(/set one of them, not both/);
      expect(
        refusal({
          PLATFORM_TOKENS: JSON.stringify({ tokens: [{ token: SECRET, role: 'service' }] }),
          PLATFORM_ADMIN_TOKEN: SECRET,
        }),
      ).toMatch(/PLATFORM_ADMIN_TOKEN: the same token has another role/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the platform process', () => {
  test('a bad PLATFORM_TOKENS: exit code 2, the variable named, the token not printed', () => {
    const dataDir = tempDir('bad-tokens');
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'platform/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PLATFORM_SERVICES: 'gateway',
        GATEWAY_PORT: '0',
        PLATFORM_DATA_DIR: dataDir,
        PLATFORM_TOKENS: `{"tokens": [{"token": "${SECRET}", "role": "tenant"}]}`,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dataDir, { recursive: true, force: true });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/PLATFORM_TOKENS: tokens\.0\.tenants/);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
    expect(res.stdout).not.toContain('PLATFORM_READY');
  });

  test('PLATFORM_TOKENS_FILE end to end: tenant, service and admin tokens in every service', async () => {
    const dataDir = tempDir('tokens-proc');
    const file = path.join(dataDir, 'tokens.json');
    const T = { acme: `acme-${randomUUID()}`, worker: `svc-${randomUUID()}`, admin: `adm-${randomUUID()}` };
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [
          { token: T.acme, role: 'tenant', tenants: ['acme'] },
          { token: T.worker, role: 'service' },
          { token: T.admin, role: 'admin' },
        ],
      }),
    );
    let output = '';
    const platform = await startPlatformProcess({
      dataDir,
      env: { PLATFORM_TOKENS_FILE: file, LOG_LEVEL: 'info' },
      onOutput: (chunk) => (output += chunk),
    });
    const proc = { gatewayUrl: platform.gatewayUrl, urls: { erp: platform.urls.erp } };
    try {
      const order = { customerId: 'c', totalAmountCents: 1 };
      expect((await call(`${proc.urls.erp}/orders`, { token: T.acme, tenant: 'acme', body: order })).status).toBe(201);
      expect((await call(`${proc.urls.erp}/orders`, { token: T.acme, tenant: 'other', body: order })).status).toBe(403);
      expect((await call(`${proc.gatewayUrl}/api/admin/events/dlq`, { token: T.acme })).status).toBe(403);
      expect((await call(`${proc.gatewayUrl}/api/admin/events/dlq`, { token: T.worker })).status).toBe(403);
      expect((await call(`${proc.gatewayUrl}/api/admin/events/dlq`, { token: T.admin })).status).toBe(200);
      // The old default token is not valid once a map is configured.
      expect((await call(`${proc.gatewayUrl}/api/events`, { token: 'smoke-test' })).status).toBe(401);
      // Cells publish with the service token: the order's event reaches the bus.
      const events = await eventually(async () => {
        const page = await call(`${proc.gatewayUrl}/api/events?tenantId=acme`, { token: T.acme });
        return page.body.events.length > 0 && page.body.events;
      });
      expect(events).toEqual([expect.objectContaining({ eventType: 'erp.order.created', tenantId: 'acme' })]);
    } finally {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Refusals are logged with the token's name, never its value.
    expect(output).toContain('needs an admin token');
    for (const token of Object.values(T)) expect(output).not.toContain(token);
  });
});
