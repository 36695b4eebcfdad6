/**
 * The benchmark's core measurement at a very small size, against the jest-wide dev server: a real platform
 * process, a real worker process, ten events of the mix. Checks the report's structure and that every
 * event was linked; no timing assertions (the machine is shared).
 */
import { beyondFirst, runScenario, type ScenarioResult } from '../../bench/core';
import { renderMarkdown, renderSvg, summarize, type BenchReport } from '../../bench/report';
import { loadAverage, machineInfo } from '../../bench/proc-stats';

jest.setTimeout(420_000);

describe('benchmark smoke (quick mode core, tiny size)', () => {
  let result: ScenarioResult;

  beforeAll(async () => {
    result = await runScenario(
      {
        temporalAddress: process.env.TEMPORAL_ADDRESS!,
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
        log: () => undefined,
      },
      { name: 'smoke', system: 'temporal', load: { kind: 'open', rate: 5, durationMs: 2000 }, drainTimeoutMs: 300_000 },
    );
  });

  it('links every event of the mix, cascades included', () => {
    expect(result.events.published).toBe(10);
    expect(result.events.publishErrors).toBe(0);
    expect(result.events.byKind.contract).toBeGreaterThanOrEqual(6);
    expect(result.events.byKind.requisition).toBe(1);
    expect(result.events.byKind.generic).toBe(1);
    expect(result.events.linked).toBe(10);
    expect(result.events.failed).toBe(0);
    expect(result.events.duplicated).toBe(0);
    expect(result.linkagesTotal).toBe(result.linkagesExpected);
    expect(result.allLinked).toBe(true);
  });

  it('reports latencies, throughput and resources in the documented shape', () => {
    const effects = result.events.byKind.contract + result.events.byKind.requisition + result.events.byKind.approval;
    expect(result.latencyMs.firstEffect.n).toBe(effects);
    expect(result.latencyMs.completed.n).toBe(10);
    expect(result.latencyMs.started?.n).toBe(10);
    for (const p of [result.latencyMs.firstEffect, result.latencyMs.completed]) {
      expect(Object.keys(p).sort()).toEqual(['max', 'mean', 'n', 'p50', 'p95', 'p99']);
      expect(p.p50).toBeLessThanOrEqual(p.p99);
    }
    expect(Object.keys(result.throughput).sort()).toEqual([
      'contractLinkagesPerSec',
      'downstreamCallsPerSec',
      'linkagesPerSec',
      'offeredEventsPerSec',
      'overallLinkagesPerSec',
      'windowMs',
    ]);
    expect(result.resources.worker.samples).toBeGreaterThan(0);
    expect(result.resources.worker.rssMbMax).toBeGreaterThan(0);
    expect(result.resources.platform.samples).toBeGreaterThan(0);
  });

  it('renders the report (Markdown, SVG) from the result', () => {
    const report: BenchReport = {
      generatedAt: new Date().toISOString(),
      mode: 'quick',
      machine: machineInfo(),
      loadAverageBefore: loadAverage(),
      loadAverageAfter: loadAverage(),
      durationMs: result.durationMs,
      summary: summarize([result]),
      skipped: [],
      scenarios: [result],
    };
    expect(renderMarkdown(report)).toContain('| smoke |');
    expect(renderSvg(report)).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  });
});

describe('the benchmark counts per source', () => {
  it('a second live order for one contract is a duplicate; a cancelled one is not', () => {
    const order = (id: string, contract: string, orderStatus = 1) => ({ id, sourceContractId: contract, orderStatus });
    expect(beyondFirst([order('o1', 'c1'), order('o2', 'c2')], 'sourceContractId', 'orderStatus')).toBe(0);
    expect(beyondFirst([order('o1', 'c1'), order('o2', 'c1')], 'sourceContractId', 'orderStatus')).toBe(1);
    expect(beyondFirst([order('o1', 'c1', 9), order('o2', 'c1')], 'sourceContractId', 'orderStatus')).toBe(0);
  });
});
