/**
 * What a fast workflow suite (test/workflows) stands on: a Temporal dev server of its own from
 * @temporalio/testing (the built CLI, no time skipping: its test server is not available offline), one
 * worker on the prebuilt linkage bundle whose activities are the in-memory fakes of fake-activities.ts,
 * a client to start runs as the starter does, and the replay of every run's history at the end.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporalCliPath } from '../../scripts/lib/paths';
import type { BusEvent } from '../../common/events';
import { builtinRule, workflowTypeOf } from '../../common/catalogue';
import { linkageWorkflowId } from '../../common/linkage';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import type { RuleName } from '../../common/rules';
import { stateQuery } from '../../workflows/linkage-run';
import { runHeldSignal } from '../../common/rule-signals';
import type { LinkageInput, LinkageResult, RetrySettings, Toggles } from '../../workflows/types';
import { FakeCells } from './fake-activities';
import { workflowBundle } from './linkage-env';

export const ALL_ON: Toggles = { crmToErp: true, erpToSrm: true, allToOa: true, allToDatalake: true };

/** A wide window (a scripted retry fits in it), a backoff cap of 1 s and a short per-call timeout. */
export const FAST_RETRY: RetrySettings = { windowMs: 30_000, maxIntervalMs: 1_000, httpTimeoutMs: 2_000 };

export interface FastEnv {
  cells: FakeCells;
  /** Starts an event's run as the starter does (workflow type and id from the event); toggles all on by default. */
  start(event: BusEvent, input?: Partial<LinkageInput>, opts?: StartTuning): Promise<WorkflowHandle>;
  /** Starts a run and waits for it to close: its result or its failure, and the final step states. */
  run(event: BusEvent, input?: Partial<LinkageInput>): Promise<Closed>;
  /** Waits for a started run to close. */
  closed(handle: WorkflowHandle): Promise<Closed>;
  /** Replays the history of every run this suite started against the same bundle; the failures found. */
  replayAll(): Promise<{ workflowId: string; error: unknown }[]>;
  teardown(): Promise<void>;
}

export interface StartTuning {
  /**
   * A local activity in flight keeps its workflow task open until the task's heartbeat (80 % of this timeout,
   * 10 s by default): only then does the server hand the run a cancel. A cancel test shortens it.
   */
  workflowTaskTimeout?: Duration;
}

/** What a cancel test starts with: the cancel reaches a run blocked in a local activity within a second or two. */
export const QUICK_CANCEL: StartTuning = { workflowTaskTimeout: '2 seconds' };

export interface Closed {
  state: LinkageResult;
  /** The run's failure when it did not complete (WorkflowFailedError's cause). */
  failure?: Error & { type?: string };
}

const noop = { fn: () => undefined };

export async function createFastEnv(name: string): Promise<FastEnv> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
    },
  });
  const cells = new FakeCells();
  const taskQueue = `fast-${name}`;
  const bundle = await workflowBundle();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: cells.activities(),
    // The metrics sinks of worker/metrics.ts, as no-ops.
    sinks: { linkageMetrics: { started: noop, closed: noop } },
  });
  const running = worker.run();
  const started: string[] = [];

  const start = async (event: BusEvent, input: Partial<LinkageInput> = {}, opts: StartTuning = {}) => {
    const workflowId = linkageWorkflowId(event.eventId);
    started.push(workflowId);
    const args: LinkageInput = {
      event,
      toggles: ALL_ON,
      retry: FAST_RETRY,
      stepActivities: 'local',
      payloadProblems: [],
      ...input,
    };
    return env.client.workflow.start(workflowTypeOf(builtinRule(event.eventType)), {
      workflowId,
      taskQueue,
      args: [args],
      ...opts,
    });
  };
  const closed = async (handle: WorkflowHandle): Promise<Closed> => {
    let failure: Closed['failure'];
    try {
      await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      failure = err.cause as Closed['failure'];
    }
    return { state: await handle.query(stateQuery), ...(failure ? { failure } : {}) };
  };

  return {
    cells,
    start,
    closed,
    run: async (event, input) => closed(await start(event, input)),
    async replayAll() {
      const histories: HistoryAndWorkflowId[] = await Promise.all(
        started.map(async (workflowId) => ({
          workflowId,
          history: await env.client.workflow.getHandle(workflowId).fetchHistory(),
        })),
      );
      const failed: { workflowId: string; error: unknown }[] = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
        if (r.error) failed.push({ workflowId: r.workflowId, error: r.error });
      }
      if (histories.length === 0) failed.push({ workflowId: '(none)', error: 'no run to replay' });
      return failed;
    },
    async teardown() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

let seq = 0;
/** A bus event as the poller reads it; ids unique in this process. */
export function busEvent(eventType: string, tenantId: string, payload: Record<string, unknown>): BusEvent {
  seq += 1;
  return {
    eventId: `evt-${Date.now().toString(36)}-${seq}`,
    eventType,
    tenantId,
    seq,
    occurredAt: new Date().toISOString(),
    payload: { tenantId, ...payload },
  };
}

let tenants = 0;
/** A tenant of its own per test: the fake cells keep documents by tenant. */
export const fastTenant = () => `t-${(tenants += 1)}`;

/** Queries a run until its state matches (a held step, an outcome): the test waits on the run, not on a clock. */
export async function stateWhen(
  handle: WorkflowHandle,
  what: string,
  match: (s: LinkageResult) => boolean,
): Promise<LinkageResult> {
  for (let i = 0; i < 600; i++) {
    const s = await handle.query(stateQuery);
    if (match(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: never reached`);
}

/** The state of a step by name. */
export const stepOf = (s: LinkageResult, name: string) => s.steps.find((x) => x.name === name);

/** The jest hooks of a fast suite: one environment for the file, its cells reset before each test. */
export function useFastEnv(name: string, set: (env: FastEnv) => void): void {
  let env: FastEnv | undefined;
  beforeAll(async () => {
    env = await createFastEnv(name);
    set(env);
  });
  afterAll(() => env?.teardown());
  beforeEach(() => env?.cells.reset());
}

/** The cell calls the runs made, without their lake ingests and dead letters. */
export const cellCallsOf = (env: FastEnv) =>
  env.cells.callNames((c) => c.name !== 'ingestRecords' && c.name !== 'postDeadLetter');

/**
 * The test plays the rule-control workflow's part: it acknowledges the run's hold at `step`, and waits until
 * the run's outcome reads `paused`.
 */
export async function acknowledgeHold(
  handle: WorkflowHandle,
  hold: { rule: RuleName; step: string; seq: number },
): Promise<LinkageResult> {
  await handle.signal(runHeldSignal, { workflowId: handle.workflowId, ...hold });
  return stateWhen(handle, 'outcome paused', (s) => s.outcome === 'paused');
}
