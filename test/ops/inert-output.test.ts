/**
 * Operator output is inert: a tenant's bytes stored in a dead letter (its event id, type, reason) are
 * printed by the real CLI (`dlq`, `dlq resolve`, `--json`) with every control character escaped, so an escape
 * sequence cannot repaint, retitle or forge lines on the operator's terminal. `--json` stays parseable and
 * gives the stored values back exactly.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/paths';
import type { Rec } from '../../ops/gateway-admin';
import { inert, inertValue } from '../../ops/inert';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('ops-inert');
});
afterAll(async () => {
  await env?.stop();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'ops/cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env.env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

// Clear screen, a retitle (OSC), a C1 CSI, a bidi override, a bell, a forged line.
const HOSTILE = ['\u001b[2J\u001b[H', '\u001b]0;owned\u0007', '\u009b31m', '\u202e', '\r\nFAKE  line'];
// Anything a terminal obeys, newline and tab aside.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('inert escapes every control character of the C0/C1 sets and the bidi overrides, and keeps the rest', () => {
  for (let c = 0; c < 0x2070; c++) {
    const ch = String.fromCharCode(c);
    const shown = inertValue(`a${ch}b`);
    expect(CONTROL.test(shown) || /[\n\t\u2028\u2029]/.test(shown)).toBe(false);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    if (!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(ch)) expect(shown).toBe(`a${ch}b`);
  }
  expect(inert('line 1\nline 2\t.')).toBe('line 1\nline 2\t.');
  expect(JSON.parse(inert(JSON.stringify({ v: '\u007f\u009b\u202e' })))).toEqual({ v: '\u007f\u009b\u202e' });
});

test('dlq, dlq resolve and --json print a hostile letter inert', async () => {
  const tenant = uniqueTenant('inert');
  const eventId = `evt-${HOSTILE.join('')}`;
  const posted = await env.api.ok<Rec>('POST', '/api/admin/events/dlq', {
    body: {
      reason: `refused ${HOSTILE.join('')}`,
      eventId,
      eventType: `crm.${HOSTILE[0]}x`,
      tenantId: tenant,
      step: 'start',
    },
  });
  const list = await cli(['dlq', '--tenant', tenant]);
  const json = await cli(['dlq', '--tenant', tenant, '--json']);
  const show = await cli(['dlq', 'resolve', String(posted.id), '--by', 'ops', '--note', `seen ${HOSTILE.join('')}`]);
  for (const run of [list, show, json]) {
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(CONTROL);
    expect(run.stdout).not.toMatch(/^FAKE/m);
  }
  expect(list.stdout).toContain('\\u001b[2J');
  expect(show.stdout).toContain('evt-\\u001b[2J');
  const letters = JSON.parse(json.stdout) as Rec[];
  expect(letters.map((l) => l.eventId)).toEqual([eventId]);
});
