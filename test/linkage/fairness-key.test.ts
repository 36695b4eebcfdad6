/**
 * The fairness key of a linkage start: the tenant id itself up to 64 bytes of UTF-8, else a prefix and a
 * hash that still fit; stable, distinct for distinct tenants. Then real starts on the jest run's server
 * (fairness on) with tenant ids the bus accepts that are over the limit: none is refused, and each run
 * carries its tenant's key.
 */
import fc from 'fast-check';
import { fairnessKeyOf, MAX_FAIRNESS_KEY_BYTES, utf8Length } from '../../common/fairness';
import { linkageWorkflowId } from '../../common/linkage';
import type { BusEvent } from '../../common/events';
import { createLinkageEnv, type LinkageEnv } from '../helpers/linkage-env';

const bytes = (s: string) => new TextEncoder().encode(s).length;
// Tenant ids as the bus takes them (1-100 characters), from ASCII to astral planes and lone surrogates.
const tenants = fc.oneof(
  fc.string({ minLength: 1, maxLength: 100 }),
  fc.string({ minLength: 1, maxLength: 100, unit: 'grapheme' }),
  fc.string({ minLength: 1, maxLength: 100, unit: 'binary' }),
  fc.string({ minLength: 60, maxLength: 100, unit: fc.constantFrom('a', 'é', '租', '😀') }),
);

describe('fairnessKeyOf', () => {
  it('counts UTF-8 bytes as the server does', () => {
    fc.assert(fc.property(tenants, (t) => utf8Length(t) === bytes(t)));
  });

  it('fits the server limit; a tenant id that fits is its own key; a longer one keeps a prefix', () => {
    fc.assert(
      fc.property(tenants, (t) => {
        const key = fairnessKeyOf(t);
        expect(bytes(key)).toBeLessThanOrEqual(MAX_FAIRNESS_KEY_BYTES);
        if (bytes(t) <= MAX_FAIRNESS_KEY_BYTES) expect(key).toBe(t);
        else expect(t.startsWith(key.slice(0, key.lastIndexOf('#')))).toBe(true);
        expect(fairnessKeyOf(t)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('distinct long tenant ids sharing a prefix get distinct keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 50 }),
        (tails) => {
          const keys = tails.map((x) => fairnessKeyOf(`${'租'.repeat(20)}${x}`));
          expect(new Set(keys).size).toBe(tails.length);
        },
      ),
    );
  });
});

describe('linkage starts', () => {
  let env: LinkageEnv;
  beforeAll(async () => {
    env = await createLinkageEnv('fairness-key');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('tenant ids over 64 bytes and generated ones are started, each run with its tenant key', async () => {
    const ids = [
      '租户'.repeat(50),
      'x'.repeat(100),
      `${'é'.repeat(40)}😀`,
      'short-tenant',
      ...fc.sample(tenants, { numRuns: 20, seed: 22 }),
    ];
    for (const [i, tenantId] of ids.entries()) {
      const event: BusEvent = {
        seq: i + 1,
        eventId: `fairness-key-${env.taskQueue}-${i}`,
        eventType: 'crm.contract.signed',
        tenantId,
        occurredAt: new Date().toISOString(),
        payload: { contractId: `ctr-${i}`, customerId: 'cus-1', contractNo: `FK-${i}`, amountCents: 100 },
      } as BusEvent;
      // No worker on this queue: the run stays queued, which is enough to read its priority.
      expect(await env.startFromEvent(event)).toBe(true);
      const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
      const d = await handle.describe();
      expect(d.raw.workflowExecutionInfo?.priority?.fairnessKey).toBe(fairnessKeyOf(tenantId));
      await handle.terminate('test over');
    }
  });
});
