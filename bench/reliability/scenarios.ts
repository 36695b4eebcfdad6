/**
 * The reliability scenarios: each publishes a few hundred mixed events while a fault happens,
 * waits for quiescence (no running linkage of its tenants, every bus event of them has its run, the
 * poller's cursor at the end of the bus) and checks every business effect with the pure checker.
 * Shared by `npm run reliability` (full sizes) and the jest CI subset (small sizes).
 */
import { tenantLanePrefix } from '../../common/workflow-ids';
import { startLinkage } from '../../starter/start-linkage';
import type { BusEvent } from '../../common/events';
import {
  cancelledDocuments,
  check,
  expectedEffects,
  foundEffects,
  lakeTablesOf,
  ownDocuments,
  type CheckResult,
  type TenantSnapshot,
} from './checker';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { hostileTenantPlan } from './hostile-tenant';
import { linkageRunsOf } from './linkage-query';
import { OPERATOR_PLANS, type OperatorScenarioName } from './operator-plans';
import type { Cluster } from '../../scripts/cluster/cluster';
import { createStack, type Stack, type TemporalTarget } from './stack';
import { secret, tenantTokens, tokenMapEnv } from './tenant-tokens';
import {
  approvalCompleted,
  approvalCount,
  createTargets,
  mixedEvents,
  poisonEvents,
  shuffle,
  type PublishEvent,
  type Target,
} from './workload';

export type ScenarioName =
  | OperatorScenarioName
  | 'worker-kill'
  | 'temporal-restart'
  | 'platform-restart'
  | 'erp-503-oa-hang'
  | 'datalake-down'
  | 'duplicates-poison'
  | 'two-workers'
  | 'tenant-flood-kill'
  | 'security'
  | 'hostile-tenant'
  | 'history-kill'
  | 'postgres-restart';

export interface ScenarioOptions {
  /** Business events per tenant (before copies and poison). */
  events: number;
  /** How long publishing is spread over, so the fault lands mid-run. */
  publishSec: number;
  temporal: TemporalTarget;
  quiescenceTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface NamedCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  /** The Temporal it ran on (absent in rows measured before the cluster existed: the dev server). */
  backend?: 'dev' | 'cluster';
  title: string;
  fault: string;
  /** Publish calls made (copies and poison included) and distinct events that reached the bus. */
  publishCalls: number;
  eventsIn: number;
  runsStarted: number;
  runsFailed: number;
  effectsExpected: number;
  effectsFound: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  deadLetters: number;
  quiescent: boolean;
  /** From the last publish to quiescence. */
  quiescenceMs: number;
  totalMs: number;
  checks: NamedCheck[];
  details: Record<string, CheckResult>;
  ok: boolean;
}

export interface Plan {
  title: string;
  fault: string;
  workers: number;
  copies?: number;
  poison?: boolean;
  platformLogLevel?: string;
  /** Credentials made before the stack: platform environment, worker environment, and secrets to check. */
  setup?(): {
    platformEnv(adminToken: string): Record<string, string>;
    workerEnv: Record<string, string>;
    state: Record<string, unknown>;
    /** Values that must appear in no log line. */
    secrets: string[];
  };
  /** Actions fired when publishing reaches a fraction of its calls (not awaited by the publisher). */
  faults?: { at: number; what: string; run(s: Stack, ctx: RunContext): Promise<void> }[];
  /** Before publishing starts (e.g. a fault for the whole first half). */
  before?(s: Stack): Promise<void>;
  /** Extra tenants and events (security); `state` holds what `setup` made. */
  tenants?(s: Stack, opts: ScenarioOptions, state: Record<string, unknown>): Promise<TenantPlan[]>;
  /** After quiescence, before the effects are read. */
  after?(s: Stack, ctx: RunContext): Promise<void>;
}

export interface TenantPlan {
  tenant: string;
  events: PublishEvent[];
  /** Documents another tenant's forged events aim at (security). */
  victims?: Target[];
}

export interface RunContext {
  opts: ScenarioOptions;
  tenants: TenantPlan[];
  checks: NamedCheck[];
  note(line: string): void;
  state: Record<string, unknown>;
  /** Waits for quiescence again (after an operator's repair), as a named check; `client`: another namespace. */
  settle(what: string, client?: Client): Promise<void>;
  /** Events whose runs failed or were cancelled on purpose and then retried: their dead letters are expected. */
  repaired: Set<string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = () => Math.random().toString(36).slice(2, 8);

async function killAndRestartWorker(s: Stack, ctx: RunContext): Promise<void> {
  const victim = s.workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
  if (!victim) throw new Error('no running worker to kill');
  await victim.kill();
  ctx.checks.push({ name: `worker ${victim.name} SIGKILLed`, ok: victim.child.signalCode === 'SIGKILL' });
  ctx.note(`SIGKILL ${victim.name}`);
  await s.startWorker();
  ctx.note('worker restarted');
}

/** The suite's cluster, for the faults only a cluster has. */
function clusterOf(ctx: RunContext): Cluster {
  const cluster = ctx.opts.temporal.cluster;
  if (!cluster) throw new Error('this scenario needs the cluster: RELIABILITY_BACKEND=cluster npm run reliability');
  return cluster;
}

export const PLANS: Record<ScenarioName, Plan> = {
  'worker-kill': {
    title: 'Worker SIGKILLed three times mid-run',
    fault: 'the only worker process SIGKILLed at 25 %, 50 % and 75 % of publishing, restarted each time',
    workers: 1,
    faults: [0.25, 0.5, 0.75].map((at) => ({ at, what: 'kill worker', run: killAndRestartWorker })),
  },
  'temporal-restart': {
    title: 'Temporal dev server restarted mid-run',
    fault: 'the dev server stopped at 40 % of publishing and started again on the same SQLite file and port',
    workers: 1,
    faults: [
      {
        at: 0.4,
        what: 'restart Temporal',
        async run(_s, ctx) {
          const restart = ctx.opts.temporal.restart;
          if (!restart) throw new Error('temporal-restart needs a Temporal the suite owns (npm run reliability)');
          await restart();
          ctx.note('Temporal restarted');
        },
      },
    ],
  },
  'history-kill': {
    title: 'One of the two history processes SIGKILLed mid-run (cluster)',
    fault:
      'history process 1 of 2 SIGKILLed at 40 % of publishing (its shards move to the other), started again at 70 %',
    workers: 1,
    faults: [
      {
        at: 0.4,
        what: 'kill history-1',
        async run(_s, ctx) {
          await clusterOf(ctx).kill('history-1');
          ctx.note('history-1 SIGKILLed');
        },
      },
      {
        at: 0.7,
        what: 'start history-1 again',
        async run(_s, ctx) {
          await clusterOf(ctx).restart('history-1');
          ctx.note('history-1 started again');
        },
      },
    ],
  },
  'postgres-restart': {
    title: "The cluster's PostgreSQL restarted mid-run (cluster)",
    fault: "the cluster's PostgreSQL restarted (pg_ctl restart -m fast) at 40 % of publishing",
    workers: 1,
    faults: [
      {
        at: 0.4,
        what: 'restart PostgreSQL',
        async run(_s, ctx) {
          clusterOf(ctx).postgres.restart();
          ctx.note('PostgreSQL restarted');
        },
      },
    ],
  },
  'platform-restart': {
    title: 'Platform (gateway and cells) crashed and restarted mid-run',
    fault: 'the platform process SIGKILLed at 40 % of publishing and restarted on the same ports and data',
    workers: 1,
    faults: [
      {
        at: 0.4,
        what: 'crash and restart the platform',
        async run(s, ctx) {
          s.platform.kill();
          await sleep(2000);
          await s.platform.restart();
          ctx.note('platform restarted');
        },
      },
    ],
  },
  'erp-503-oa-hang': {
    title: 'ERP answering 503 for 30 s; OA hanging past the activity timeout',
    fault:
      'from 20 % of publishing every ERP call answers 503 for 30 s; 40 OA approval POSTs hang (never answered, past the 2 s HTTP timeout)',
    workers: 1,
    faults: [
      {
        at: 0.2,
        what: 'ERP 503 for 30 s, OA hang',
        async run(s, ctx) {
          await s.api.fault({ path: '/api/v1/erp', times: -1, status: 503 });
          await s.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: 40, hang: true });
          ctx.note('ERP 503 on, OA hang on');
          await sleep(30_000);
          await s.api.clearFaults();
          ctx.note('faults cleared');
        },
      },
    ],
  },
  'datalake-down': {
    title: 'Data lake down for the first half',
    fault: 'every ingest answers 503 from the start until half of the events are published',
    workers: 1,
    async before(s) {
      await s.api.fault(
        { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
        s.platform.datalakeUrl,
      );
    },
    faults: [
      {
        at: 0.5,
        what: 'data lake back',
        async run(s, ctx) {
          await s.api.clearFaults(s.platform.datalakeUrl);
          ctx.note('data lake back');
        },
      },
    ],
  },
  'duplicates-poison': {
    title: 'Every event published three times, poison events interleaved',
    fault:
      'each event published 3× (shuffled), then every bus event started again 3× by hand; 1 poison event per 10 (bad payloads, foreign tenant inside, unknown types)',
    workers: 1,
    copies: 3,
    poison: true,
    async after(s, ctx) {
      // An at-least-once bus would hand the same event over again: start every run again, three times.
      let accepted = 0;
      for (const t of ctx.tenants) {
        const events = await s.busEvents(t.tenant);
        for (const e of events) {
          const starts = await Promise.all([1, 2, 3].map(() => startLinkage(s.client, s.config, e)));
          accepted += starts.filter(Boolean).length;
        }
      }
      ctx.checks.push({
        name: 'redelivered events start no second run',
        ok: accepted === 0,
        detail: `${accepted} started`,
      });
    },
  },
  'two-workers': {
    title: 'Two worker processes throughout',
    fault: 'two worker processes poll the same task queue for the whole run',
    workers: 2,
    async after(s, ctx) {
      const alive = s.workers.filter((w) => w.child.exitCode === null).length;
      ctx.checks.push({ name: 'both workers alive to the end', ok: alive === 2, detail: `${alive} alive` });
    },
  },
  'tenant-flood-kill': {
    title: 'Two tenants, one flooding, workers killed',
    fault:
      "tenant A's flood (3× the events, on the bus before the first worker starts, so A gets an intake lane of its own) while tenant B publishes at its pace; the only worker process SIGKILLed at 25 %, 50 % and 75 % of B's publishing, restarted each time",
    workers: 1,
    async tenants(s, opts) {
      const a = `flood-${rand()}`;
      const b = `steady-${rand()}`;
      const flood = 3 * opts.events;
      const targetsA = await createTargets(s.api, a, approvalCount(flood));
      const targetsB = await createTargets(s.api, b, approvalCount(opts.events));
      // A's backlog is on the bus at once; the publisher then paces B's events alone.
      const events = mixedEvents(a, flood, targetsA);
      for (let i = 0; i < events.length; i += 25) {
        await Promise.all(events.slice(i, i + 25).map((e) => publishWithRetry(s, e)));
      }
      return [
        { tenant: a, events: [] },
        { tenant: b, events: mixedEvents(b, opts.events, targetsB) },
      ];
    },
    faults: [0.25, 0.5, 0.75].map((at) => ({ at, what: 'kill worker', run: killAndRestartWorker })),
    async after(s, ctx) {
      const lanes = await countWorkflows(
        s.client,
        `WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${tenantLanePrefix(s.taskQueue, ctx.tenants[0].tenant)}"`,
      );
      ctx.checks.push({ name: 'the flooding tenant had an intake lane', ok: lanes >= 1, detail: `${lanes} lanes` });
    },
  },
  security: {
    title: 'Security: tenant-bound tokens, cross-tenant write-back, bad bodies, secrets in logs',
    fault:
      "the platform runs a token map (admin, the worker's service token, one token per tenant); tenant B publishes forged oa.approval.completed events pointing at tenant A documents; mid-run: wrong / missing tokens, a tenant token used for another tenant, a cross-tenant eventId collision, admin routes with tenant and service tokens, cross-tenant PATCH, oversized and malformed bodies; every log line of the platform and the workers scanned for every token, the API key and an mTLS client key",
    workers: 1,
    platformLogLevel: 'debug',
    setup() {
      const a = `secA-${rand()}`;
      const b = `secB-${rand()}`;
      const tokens = tenantTokens();
      const apiKey = secret('api-key');
      return {
        // Tenant-bound credentials: the worker acts with the service token, each tenant with its own.
        platformEnv: (admin) => tokenMapEnv(admin, tokens, a, b),
        // The dev server takes no API key: sent in plaintext, so the log scan covers it in a running worker.
        workerEnv: { GATEWAY_TOKEN: tokens.service, TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS: '0', LOG_LEVEL: 'debug' },
        state: { a, b, tokens, apiKey },
        secrets: [...Object.values(tokens), apiKey],
      };
    },
    async tenants(s, opts, state) {
      const a = String(state.a);
      const b = String(state.b);
      const half = Math.max(10, Math.round(opts.events / 2));
      const targetsA = await createTargets(s.api, a, approvalCount(half));
      const targetsB = await createTargets(s.api, b, approvalCount(half));
      // Documents of A that nobody of A approves: the forged events of B aim at these.
      const victims = await createTargets(s.api, a, Math.max(3, Math.round(opts.events / 10)));
      const forged = victims.map((t, i) => approvalCompleted(b, `${b}-forged${i}`, t, true));
      const mixedB = shuffle([...mixedEvents(b, half, targetsB), ...forged], 11);
      return [
        { tenant: a, events: mixedEvents(a, half, targetsA), victims },
        { tenant: b, events: mixedB },
      ];
    },
    faults: [
      {
        at: 0.5,
        what: 'hostile requests',
        async run(s, ctx) {
          ctx.checks.push(...(await hostileRequests(s, ctx)));
          ctx.note('hostile requests done');
        },
      },
    ],
    async after(s, ctx) {
      ctx.checks.push(await tlsKeyStaysOutOfLogs(s, ctx));
      const c = String(ctx.state.tenantC);
      const ordersC = await s.api.list(c, '/erp/orders');
      const contractsC = await s.api.list(c, '/crm/contracts');
      ctx.checks.push({
        name: 'rejected requests wrote nothing (tenant C empty)',
        ok: ordersC.length === 0 && contractsC.length === 0,
        detail: `${ordersC.length} orders, ${contractsC.length} contracts`,
      });
      const bus = await s.busEvents();
      const sneaked = bus.filter((e) => e.eventId.startsWith('sec-') || e.tenantId === c);
      ctx.checks.push({ name: 'rejected events never reached the bus', ok: sneaked.length === 0 });
      const victimIds = (ctx.state.victims as string[]) ?? [];
      const a = ctx.tenants[0].tenant;
      const touched: string[] = [];
      for (const key of victimIds) {
        const [cell, type, id] = key.split(':');
        const path =
          type === 'contract'
            ? `/crm/contracts/${id}`
            : type === 'order'
              ? `/erp/orders/${id}`
              : `/erp/mm/purchase-orders/${id}`;
        const doc = await s.api.cell(a, 'GET', path);
        const st = doc.status ?? doc.orderStatus;
        if (st !== 1) touched.push(`${cell}:${type}:${id}=${String(st)}`);
      }
      ctx.checks.push({
        name: "forged approvals of B changed none of A's documents",
        ok: touched.length === 0 && victimIds.length > 0,
        detail: touched.length ? touched.join(', ') : `${victimIds.length} documents untouched`,
      });
      const b = ctx.tenants[1].tenant;
      const letters = await s.api.deadLetters(`?tenantId=${encodeURIComponent(b)}`);
      const forgedLetters = letters.filter((l) => String(l.eventId).includes('-forged'));
      ctx.checks.push({
        name: 'one dead letter per forged approval (write-back refused)',
        ok: forgedLetters.length === victimIds.length && forgedLetters.every((l) => l.step === 'write-back'),
        detail: `${forgedLetters.length} of ${victimIds.length}`,
      });
      const dlqText = JSON.stringify(await s.api.deadLetters());
      ctx.checks.push({ name: 'token not in any dead letter', ok: !dlqText.includes(s.token) });
    },
  },
  'hostile-tenant': hostileTenantPlan,
  ...OPERATOR_PLANS,
};

/**
 * A worker given an mTLS client key (and the API key) that cannot connect (TLS towards the plaintext dev
 * server): it stops, and the scenario's log scan covers every line it wrote, errors included.
 */
async function tlsKeyStaysOutOfLogs(s: Stack, ctx: RunContext): Promise<NamedCheck> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-tls-'));
  const keyBody = `tls-key-${randomBytes(24).toString('hex')}`;
  fs.writeFileSync(path.join(dir, 'client.pem'), `-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n`);
  fs.writeFileSync(
    path.join(dir, 'client.key'),
    `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`,
  );
  const started = await s
    .startWorker({
      TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
      TEMPORAL_TLS: '1',
    })
    .then(
      () => true,
      () => false,
    );
  fs.rmSync(dir, { recursive: true, force: true });
  const leaked = s.logLines().filter((l) => l.includes(keyBody)).length;
  ctx.note(
    `worker with an mTLS key ${started ? 'started (unexpected)' : 'stopped as expected'}; key in ${leaked} lines`,
  );
  return {
    name: 'mTLS client key never in a log line (a worker that cannot connect)',
    ok: !started && leaked === 0,
    detail: `${s.logLines().length} lines scanned`,
  };
}

/** Requests an attacker or a broken client makes: every one must be refused and change nothing. */
async function hostileRequests(s: Stack, ctx: RunContext): Promise<NamedCheck[]> {
  const c = `secC-${rand()}`;
  ctx.state.tenantC = c;
  const wrong = `wrong-${rand()}${rand()}`;
  ctx.state.wrongToken = wrong;
  const a = ctx.tenants[0].tenant;
  const victim = (ctx.state.victims as string[])[1] ?? (ctx.state.victims as string[])[0];
  const [, vType, vId] = victim.split(':');
  const vPath =
    vType === 'order'
      ? `/api/v1/erp/orders/${vId}`
      : vType === 'contract'
        ? `/api/v1/crm/contracts/${vId}`
        : `/api/v1/erp/mm/purchase-orders/${vId}`;
  const vBody = vType === 'order' ? { orderStatus: 2 } : { status: 2 };
  const ev = (id: string) => ({
    eventId: `sec-${id}-${rand()}`,
    eventType: 'crm.contract.signed',
    tenantId: c,
    payload: { contractId: 'x', tenantId: c },
  });
  const big = 'x'.repeat(1024 * 1024 + 10);
  const probes: [string, number, () => Promise<{ status: number }>][] = [
    [
      'publish with a wrong token → 401',
      401,
      () => s.api.call('POST', '/api/events', { body: ev('wrong'), token: wrong }),
    ],
    ['publish without a token → 401', 401, () => s.api.call('POST', '/api/events', { body: ev('none'), token: null })],
    ['read the bus without a token → 401', 401, () => s.api.call('GET', '/api/events?after=0', { token: null })],
    ['read the DLQ with a wrong token → 401', 401, () => s.api.call('GET', '/api/admin/events/dlq', { token: wrong })],
    [
      'create an order with a wrong token → 401',
      401,
      () =>
        s.api.call('POST', '/api/v1/erp/orders', {
          tenant: c,
          token: wrong,
          body: { customerId: 'c', totalAmountCents: 1 },
        }),
    ],
    [
      "PATCH A's document with a wrong token → 401",
      401,
      () => s.api.call('PATCH', vPath, { tenant: a, token: wrong, body: vBody }),
    ],
    ["PATCH A's document as tenant C → 404", 404, () => s.api.call('PATCH', vPath, { tenant: c, body: vBody })],
    [
      'ingest into the lake with a wrong token → 401',
      401,
      () =>
        s.api.call('POST', `${s.platform.datalakeUrl}/api/datalake/ingest`, {
          token: wrong,
          body: { tenantId: c, cellId: 'crm', table: 'contracts', records: [{ eventId: 'sec-x' }] },
        }),
    ],
    [
      'oversized event → 413',
      413,
      () => s.api.call('POST', '/api/events', { body: { ...ev('big'), payload: { blob: big } } }),
    ],
    [
      'oversized order → 413',
      413,
      () => s.api.call('POST', '/api/v1/erp/orders', { tenant: c, body: { customerId: big, totalAmountCents: 1 } }),
    ],
    ['malformed event JSON → 400', 400, () => s.api.call('POST', '/api/events', { body: '{"eventId": "sec-bad", ' })],
    [
      'malformed order JSON → 400',
      400,
      () => s.api.call('POST', '/api/v1/erp/orders', { tenant: c, body: '{bad json' }),
    ],
    [
      'order with a schema violation → 400',
      400,
      () => s.api.call('POST', '/api/v1/erp/orders', { tenant: c, body: { customerId: 5, totalAmountCents: -1 } }),
    ],
  ];
  // Tenant-bound credentials (docs/platform.md): a tenant's token acts for its own tenant only; admin routes need
  // the admin token; an eventId of another tenant is refused, never swallowed as a duplicate.
  const tokens = ctx.state.tokens as { service: string; tenantA: string; tenantB: string } | undefined;
  if (tokens) {
    const b = ctx.tenants[1].tenant;
    probes.push(
      [
        "tenant A's token publishing for tenant B → 403",
        403,
        () => s.api.call('POST', '/api/events', { body: { ...ev('forged'), tenantId: b }, token: tokens.tenantA }),
      ],
      [
        "tenant A's token reading tenant B's orders → 403",
        403,
        () => s.api.call('GET', '/api/v1/erp/orders', { tenant: b, token: tokens.tenantA }),
      ],
      [
        "tenant A's token reading tenant B's bus events → 403",
        403,
        () => s.api.call('GET', `/api/events?after=0&tenantId=${b}`, { token: tokens.tenantA }),
      ],
      [
        "tenant A's token ingesting for tenant B → 403",
        403,
        () =>
          s.api.call('POST', `${s.platform.datalakeUrl}/api/datalake/ingest`, {
            token: tokens.tenantA,
            body: { tenantId: b, cellId: 'crm', table: 'contracts', records: [{ eventId: 'sec-x' }] },
          }),
      ],
      [
        "tenant B reusing tenant A's eventId → 409",
        409,
        async () => {
          const [takenByA] = await s.busEvents(ctx.tenants[0].tenant);
          return s.api.call('POST', '/api/events', {
            token: tokens.tenantB,
            body: {
              eventId: takenByA.eventId,
              eventType: 'crm.customer.updated',
              tenantId: b,
              payload: { tenantId: b },
            },
          });
        },
      ],
      [
        'the DLQ read with a tenant token → 403',
        403,
        () => s.api.call('GET', '/api/admin/events/dlq', { token: tokens.tenantA }),
      ],
      [
        'fault injection with a tenant token → 403',
        403,
        () =>
          s.api.call('POST', '/api/admin/faults', { token: tokens.tenantB, body: { path: '/api/events', times: 1 } }),
      ],
      [
        'the DLQ read with the service token → 403',
        403,
        () => s.api.call('GET', '/api/admin/events/dlq', { token: tokens.service }),
      ],
      [
        "tenant A's token on its own orders → 200",
        200,
        () => s.api.call('GET', '/api/v1/erp/orders', { tenant: ctx.tenants[0].tenant, token: tokens.tenantA }),
      ],
    );
  }
  const out: NamedCheck[] = [];
  for (const [name, want, call] of probes) {
    const res = await call().catch((err: unknown) => ({ status: -1, error: String(err) }));
    out.push({ name, ok: res.status === want, detail: `answered ${res.status}` });
  }
  return out;
}

async function publishWithRetry(s: Stack, e: PublishEvent, deadlineMs = 120_000): Promise<number> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await s.api.publish(e);
      if (res.status < 500) return res.status;
    } catch {
      // the gateway is down: a publisher retries (the bus dedupes by eventId)
    }
    if (Date.now() > until) throw new Error(`could not publish ${e.eventId}`);
    await sleep(250);
  }
}

/** No running linkage of the tenants, every bus event of them has its run, the poller at the bus's end. */
export async function waitQuiescent(
  s: Stack,
  tenants: string[],
  timeoutMs: number,
  note: (line: string) => void,
  client: Client = s.client,
): Promise<{ quiescent: boolean; runs: number; events: number; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  const inTenants = linkageRunsOf(tenants);
  let stable = 0;
  let looks = 0;
  let reason = 'not checked yet';
  let last = { runs: 0, events: 0 };
  while (Date.now() < deadline) {
    try {
      const bus = await s.busEvents();
      const mine = new Set(bus.filter((e) => tenants.includes(e.tenantId)).map((e) => e.eventId));
      const maxSeq = bus.length ? bus[bus.length - 1].seq : 0;
      const [running, runs, cursor] = await Promise.all([
        client.workflow.count(`${inTenants} AND ExecutionStatus = "Running"`),
        client.workflow.count(inTenants),
        s.cursor(client),
      ]);
      last = { runs: runs.count, events: mine.size };
      const ok = running.count === 0 && runs.count >= mine.size && cursor !== null && cursor >= maxSeq;
      reason = `running ${running.count}, runs ${runs.count} of ${mine.size} events, cursor ${cursor} of ${maxSeq}`;
      stable = ok ? stable + 1 : 0;
      if (++looks % 10 === 0) note(`waiting: ${reason}`);
      // Stable for three looks a second apart: a cascade event (an order's own event) has had time to arrive.
      if (stable >= 3) return { quiescent: true, ...last, reason };
    } catch (err) {
      stable = 0;
      reason = `probe failed: ${(err as Error).message}`;
    }
    await sleep(1000);
  }
  return { quiescent: false, ...last, reason };
}

async function snapshot(s: Stack, tenant: string, events: BusEvent[]): Promise<TenantSnapshot> {
  const std = [
    'crm/contracts',
    'erp/orders',
    'erp/purchase_requisitions',
    'erp/purchase_orders',
    'srm/quotes',
    'oa/approvals',
  ];
  const tables = [...new Set([...std, ...lakeTablesOf(events)])];
  const lake: TenantSnapshot['lake'] = {};
  for (const t of tables) {
    const [cell, name] = t.split('/');
    lake[t] = await s.api.table(tenant, cell, name);
  }
  return {
    erpOrders: await s.api.list(tenant, '/erp/orders'),
    purchaseOrders: await s.api.list(tenant, '/erp/mm/purchase-orders'),
    contracts: await s.api.list(tenant, '/crm/contracts'),
    rfqs: await s.api.list(tenant, '/srm/rfqs'),
    approvals: await s.api.list(tenant, '/oa/approvals'),
    lake,
    deadLetters: await s.api.deadLetters(`?tenantId=${encodeURIComponent(tenant)}`),
  };
}

export async function runScenario(name: ScenarioName, opts: ScenarioOptions): Promise<ScenarioResult> {
  const plan = PLANS[name];
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const note = (line: string) => log(`[${name} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  const setup = plan.setup?.();
  const stack = await createStack({
    name,
    temporal: opts.temporal,
    platformLogLevel: plan.platformLogLevel,
    platformEnv: setup?.platformEnv,
    workerEnv: setup?.workerEnv,
  });
  const checks: NamedCheck[] = [];
  const ctx: RunContext = {
    opts,
    tenants: [],
    checks,
    note,
    state: { ...setup?.state },
    repaired: new Set(),
    async settle(what, client) {
      const tenants = ctx.tenants.map((t) => t.tenant);
      const q = await waitQuiescent(stack, tenants, opts.quiescenceTimeoutMs ?? 300_000, note, client);
      note(`${what}: ${q.quiescent ? 'quiescent' : 'NOT quiescent'} (${q.reason})`);
      checks.push({ name: `quiescence reached ${what}`, ok: q.quiescent, detail: q.reason });
    },
  };
  try {
    // 1. Tenants, their documents and their events.
    if (plan.tenants) {
      const tps = await plan.tenants(stack, opts, ctx.state);
      ctx.tenants = tps;
      ctx.state.victims = (tps[0].victims ?? []).map((v) => `${v.sourceCell}:${v.sourceType}:${v.sourceId}`);
    } else {
      const tenant = `${name}-${rand()}`;
      const targets = await createTargets(stack.api, tenant, approvalCount(opts.events));
      let events = mixedEvents(tenant, opts.events, targets);
      if (plan.poison) {
        const poison = poisonEvents(tenant, Math.max(5, Math.round(opts.events / 10)));
        const mixed: PublishEvent[] = [];
        const every = Math.max(1, Math.floor(events.length / poison.length));
        events.forEach((e, i) => {
          mixed.push(e);
          if (i % every === every - 1 && poison.length) mixed.push(poison.shift()!);
        });
        events = [...mixed, ...poison];
      }
      ctx.tenants = [{ tenant, events }];
    }
    let calls = ctx.tenants.flatMap((t) => t.events);
    if (plan.copies && plan.copies > 1) {
      calls = shuffle(Array.from({ length: plan.copies }, () => calls).flat(), 42);
    } else if (ctx.tenants.length > 1) {
      calls = shuffle(calls, 7);
    }
    note(`${calls.length} publish calls for ${ctx.tenants.map((t) => t.tenant).join(', ')}`);

    // 2. Workers, then the fault plan while publishing at a steady pace.
    await plan.before?.(stack);
    for (let i = 0; i < plan.workers; i++) await stack.startWorker();
    note(`${plan.workers} worker(s) ready`);
    // Faults run one after the other (a kill waits for the previous restart), beside the publisher.
    let chain: Promise<void> = Promise.resolve();
    const faults = [...(plan.faults ?? [])].sort((x, y) => x.at - y.at);
    const pace = (opts.publishSec * 1000) / calls.length;
    const pubStart = Date.now();
    const statuses = new Map<number, number>();
    for (let i = 0; i < calls.length; i++) {
      while (faults.length && i >= faults[0].at * calls.length) {
        const f = faults.shift()!;
        chain = chain
          .then(() => {
            note(`fault: ${f.what}`);
            return f.run(stack, ctx);
          })
          .catch((err: unknown) => {
            checks.push({ name: `fault "${f.what}" ran`, ok: false, detail: String(err) });
          });
      }
      const wait = pubStart + i * pace - Date.now();
      if (wait > 0) await sleep(wait);
      const st = await publishWithRetry(stack, calls[i]);
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
    }
    const published = Date.now();
    note(`published (${[...statuses].map(([k, v]) => `${k}×${v}`).join(', ')}); waiting for the faults to end`);
    await chain;

    // 3. Quiescence, then the checks.
    const tenants = ctx.tenants.map((t) => t.tenant);
    const q = await waitQuiescent(stack, tenants, opts.quiescenceTimeoutMs ?? 300_000, note);
    const quiescenceMs = Date.now() - published;
    note(`${q.quiescent ? 'quiescent' : 'NOT quiescent'} after ${(quiescenceMs / 1000).toFixed(1)} s: ${q.reason}`);
    checks.push({ name: 'quiescence reached', ok: q.quiescent, detail: q.reason });
    await plan.after?.(stack, ctx);

    const details: Record<string, CheckResult> = {};
    let eventsIn = 0;
    let deadLetters = 0;
    for (const t of tenants) {
      const events = await stack.busEvents(t);
      eventsIn += events.length;
      const snap = await snapshot(stack, t, events);
      deadLetters += snap.deadLetters.length;
      // Dead letters of the runs an operator repaired on purpose are expected; any other one counts.
      snap.deadLetters = snap.deadLetters.filter((d) => !ctx.repaired.has(String(d.eventId)));
      const expected = expectedEffects(events, {
        ownDocuments: ownDocuments(snap),
        datalake: true,
        cancelledDocuments: cancelledDocuments(snap),
      });
      details[t] = check(expected, foundEffects(snap));
    }
    const inTenants = linkageRunsOf(tenants);
    // Workflows, not runs: an operator's retry (a reset) adds a run to the same workflow.
    const runsStarted = await countWorkflows(stack.client, inTenants);
    const runsFailed = await countWorkflows(stack.client, `${inTenants} AND ExecutionStatus = "Failed"`, 'FAILED');
    checks.push({
      name: 'one workflow per bus event',
      ok: runsStarted === eventsIn,
      detail: `${runsStarted} workflows, ${eventsIn} events`,
    });

    const leaks = [stack.token, String(ctx.state.wrongToken ?? stack.token), ...(setup?.secrets ?? [])];
    const lines = stack.logLines();
    const leaked = lines.filter((l) => leaks.some((tok) => l.includes(tok)));
    checks.push({
      name: 'tokens and keys never in a log line',
      ok: leaked.length === 0 && lines.length > 0,
      detail: `${lines.length} lines scanned${leaked.length ? `, ${leaked.length} leak(s): ${leaked[0].slice(0, 300)}` : ''}`,
    });

    const sum = (k: 'expected' | 'found' | 'lost' | 'duplicated' | 'unexpected') =>
      Object.values(details).reduce((n, d) => n + d[k], 0);
    const result: ScenarioResult = {
      scenario: name,
      backend: opts.temporal.backend ?? 'dev',
      title: plan.title,
      fault: plan.fault,
      publishCalls: calls.length,
      eventsIn,
      runsStarted,
      runsFailed,
      effectsExpected: sum('expected'),
      effectsFound: sum('found'),
      lost: sum('lost'),
      duplicated: sum('duplicated'),
      unexpected: sum('unexpected'),
      deadLetters,
      quiescent: q.quiescent,
      quiescenceMs,
      totalMs: Date.now() - t0,
      checks,
      details,
      ok: false,
    };
    result.ok = result.lost === 0 && result.duplicated === 0 && result.unexpected === 0 && checks.every((c) => c.ok);
    note(
      `events ${eventsIn}, runs ${runsStarted}, effects ${result.effectsFound}/${result.effectsExpected}, lost ${result.lost}, ` +
        `duplicated ${result.duplicated}, unexpected ${result.unexpected}, dead letters ${deadLetters}, ok ${result.ok}`,
    );
    for (const c of checks.filter((x) => !x.ok)) note(`FAILED check: ${c.name} (${c.detail ?? ''})`);
    for (const [t, d] of Object.entries(details)) {
      if (d.lost || d.duplicated || d.unexpected) note(`${t}: ${JSON.stringify(d)}`);
    }
    return result;
  } finally {
    await stack.stop();
  }
}

/** Distinct workflow ids matching `query`; `latestStatus`: only those whose latest run has that status. */
export async function countWorkflows(client: Client, query: string, latestStatus?: string): Promise<number> {
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({ query })) ids.add(wf.workflowId);
  if (!latestStatus) return ids.size;
  let n = 0;
  for (const id of ids) if ((await client.workflow.getHandle(id).describe()).status.name === latestStatus) n++;
  return n;
}

export const ALL_SCENARIOS = Object.keys(PLANS) as ScenarioName[];
/** Faults only the cluster has. */
export const CLUSTER_ONLY: ScenarioName[] = ['history-kill', 'postgres-restart'];
/** What `npm run reliability` runs by default on each backend. */
export const DEFAULT_SCENARIOS: Record<'dev' | 'cluster', ScenarioName[]> = {
  dev: ALL_SCENARIOS.filter((s) => !CLUSTER_ONLY.includes(s)),
  cluster: ['worker-kill', 'history-kill', 'postgres-restart'],
};
