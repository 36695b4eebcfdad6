/**
 * The CI subset of the reliability suite — worker SIGKILLs (also with one tenant flooding beside another),
 * duplicate and poison events, and the security scenario (cross-tenant write-back, hostile requests, tenant-bound tokens, secrets in no log line), the
 * hostile tenant (disguised admin routes, owned workflow ids, request-id reuse, bad pages) — through the
 * same scenario code as `npm run reliability`, at a small size, on the jest-wide Temporal dev server.
 * The five operator-path scenarios too; the checker counts live documents per source.
 */
import { OPERATOR_PLANS, type OperatorScenarioName } from '../../bench/reliability/operator-plans';
import { runScenario, type ScenarioName, type ScenarioResult } from '../../bench/reliability/scenarios';

const small = { events: 30, publishSec: 8 };
const temporal = () => ({
  address: process.env.TEMPORAL_ADDRESS!,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
});

async function run(name: ScenarioName): Promise<ScenarioResult> {
  const result = await runScenario(name, { ...small, temporal: temporal(), quiescenceTimeoutMs: 120_000 });
  const failed = result.checks.filter((c) => !c.ok);
  // Named so a failure says which check and which keys.
  expect({
    failed,
    details: Object.values(result.details).filter((d) => d.lost || d.duplicated || d.unexpected),
  }).toEqual({ failed: [], details: [] });
  expect(result.quiescent).toBe(true);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  expect(result.unexpected).toBe(0);
  expect(result.runsStarted).toBe(result.eventsIn);
  expect(result.effectsFound).toBe(result.effectsExpected);
  return result;
}

describe('reliability CI subset', () => {
  it('worker SIGKILLed three times mid-run: nothing lost, nothing duplicated', async () => {
    const r = await run('worker-kill');
    expect(r.checks.filter((c) => c.name.includes('SIGKILLed') && c.ok)).toHaveLength(3);
    expect(r.deadLetters).toBe(0);
  }, 300_000);

  it('two tenants, one flooding, workers killed: the flood gets a lane; nothing lost, nothing duplicated', async () => {
    const r = await run('tenant-flood-kill');
    expect(r.checks.find((c) => c.name === 'the flooding tenant had an intake lane')?.ok).toBe(true);
    expect(r.checks.filter((c) => c.name.includes('SIGKILLed') && c.ok)).toHaveLength(3);
  }, 300_000);

  it('every event published three times, poison interleaved: one run each, one dead letter per poison event', async () => {
    const r = await run('duplicates-poison');
    expect(r.publishCalls).toBeGreaterThanOrEqual(3 * small.events);
    expect(r.deadLetters).toBeGreaterThan(0);
    expect(r.checks.find((c) => c.name === 'redelivered events start no second run')?.ok).toBe(true);
  }, 300_000);

  it('security: forged cross-tenant approvals write nothing, hostile requests are refused, the token is in no log line', async () => {
    const r = await run('security');
    const byName = new Map(r.checks.map((c) => [c.name, c]));
    expect(byName.get('tokens and keys never in a log line')?.ok).toBe(true);
    expect(byName.get('mTLS client key never in a log line (a worker that cannot connect)')?.ok).toBe(true);
    expect(r.checks.filter((c) => /→ 40[39]$/.test(c.name) && c.ok)).toHaveLength(8);
    expect(byName.get("forged approvals of B changed none of A's documents")?.ok).toBe(true);
    expect(byName.get('one dead letter per forged approval (write-back refused)')?.ok).toBe(true);
    expect(byName.get('rejected requests wrote nothing (tenant C empty)')?.ok).toBe(true);
    expect(r.checks.filter((c) => c.name.includes('→ 4'))).toHaveLength(21);
  }, 300_000);

  it("hostile tenant: B's disguised admin routes, owned workflow ids, key reuse and bad pages are refused; A is served", async () => {
    const r = await run('hostile-tenant');
    const probes = r.checks.filter((c) => c.name.startsWith('B: '));
    expect(probes.length).toBeGreaterThanOrEqual(30);
    expect(probes.filter((c) => c.name.includes('%61dmin') && c.detail === 'answered 400')).toHaveLength(4);
    const ok = new Set(r.checks.filter((c) => c.ok).map((c) => c.name));
    for (const name of [
      'every hostile event of B ended as exactly one run or one dead letter',
      "no 2xx answer to B carries A's tenant id, document ids or business keys",
      "A's contracts signed after B's hostile events got their one ERP order",
    ]) {
      expect(ok).toContain(name);
    }
  }, 300_000);

  /** The checks that show each repair really happened (the run above already requires every check ok). */
  const REPAIRED: Record<OperatorScenarioName, string[]> = {
    'oa-4xx-retry-all': ['orders compensated before the retry', 'retry --all: every retried run completed'],
    'terminate-retry': ['runs terminated mid-run', 'retry --all: every retried run completed'],
    'cancel-in-flight-retry': ['runs cancelled mid-run', 'retry --all: every retried run completed'],
    'fresh-namespace-replay': ['every bus event linked again in the fresh namespace'],
    'cascade-approved': [
      'approving the approval of a cancelled order is refused (409)',
      'no cancelled order revived',
      'retry --all: every retried run completed',
    ],
  };

  it.each(Object.keys(OPERATOR_PLANS) as OperatorScenarioName[])(
    'operator path %s: one live document per source after the repair',
    async (name) => {
      const r = await run(name);
      const ok = new Set(r.checks.filter((c) => c.ok).map((c) => c.name));
      expect(REPAIRED[name].filter((n) => !ok.has(n))).toEqual([]);
    },
    300_000,
  );
});
