/**
 * The tenant-flood scenario at a very small size, against the jest-wide dev server: a real platform process,
 * a real worker process, a small flood of tenant A and two contracts of tenant B. Checks that every event of
 * both tenants was linked once and the result's and the report section's shape; no timing assertions (the
 * machine is shared).
 */
import { runTenantFlood, type TenantFloodResult } from '../../bench/tenant-flood';
import { renderTenantFlood } from '../../bench/tenant-flood-report';

jest.setTimeout(420_000);

describe('tenant-flood smoke (tiny size)', () => {
  let result: TenantFloodResult;

  beforeAll(async () => {
    result = await runTenantFlood(
      {
        temporalAddress: process.env.TEMPORAL_ADDRESS!,
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
        log: () => undefined,
      },
      { name: 'tenant-flood', what: 'smoke', flood: 20, bSeconds: 2, server: {} },
    );
  });

  it("links every event of both tenants once, the ERP orders' cascades included", () => {
    expect(result.a).toMatchObject({ published: 20, publishErrors: 0, runs: 40, runsExpected: 40, duplicated: 0 });
    expect(result.b).toMatchObject({ signed: 2, signErrors: 0, runs: 4, runsExpected: 4, duplicated: 0 });
    expect(result.allLinked).toBe(true);
  });

  it("splits B's latency into intake and the rest, for every contract of B", () => {
    for (const p of [result.b.toOrder, result.b.toStarted, result.b.startedToOrder]) {
      expect(p.n).toBe(2);
      expect(p.p50).toBeLessThanOrEqual(p.p99);
    }
    expect(result.b.linkedBeforeADrained).toBeLessThanOrEqual(2);
    expect(result.b.aOpenAtOrder.min).toBeLessThanOrEqual(result.b.aOpenAtOrder.p50);
    expect(result.b.aOpenAtOrder.p50).toBeLessThanOrEqual(result.a.runsExpected);
    expect(result.a.intakeMs).toBeLessThanOrEqual(result.a.drainMs);
    expect(result.a.linkagesPerSec).toBeGreaterThan(0);
  });

  it('renders its report section, a small run marked as a quick one', () => {
    const md = renderTenantFlood([result], undefined).join('\n');
    expect(md).toContain('| tenant-flood | smoke |');
    expect(md).toContain('**A quick run**');
    expect(renderTenantFlood(undefined, undefined).join('\n')).toContain('Not in this run');
  });
});
