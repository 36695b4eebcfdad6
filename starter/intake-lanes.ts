/**
 * Tenant intake lanes, seen from the activities (docs/operations/intake.md). The main poller's page is
 * shared out: the events of a tenant with a lane are the lane's, and a tenant whose events make up
 * `POLLER_LANE_THRESHOLD` of a page gets a lane of its own (a TenantLaneWorkflow with its own cursor over
 * that tenant's events), as does a tenant capped by INTAKE_TENANT_RATES whatever its share: only a lane
 * paces its starts. A lane that has caught up hands the tenant back: the poller first starts the
 * tenant's events it skipped after the lane's last one. Every start is idempotent by workflow id, so a
 * page read twice, a lane and the poller overlapping, or a catch-up over started events duplicate nothing.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { bounded } from '../common/bounded';
import type { Config } from '../common/config';
import type { BusEvent } from '../common/events';
import { intakeTaskQueue, pollerWorkflowId, tenantLaneWorkflowId } from '../common/workflow-ids';
import { readBus } from '../activities/bus';
import type { HttpClient } from '../activities/http-client';
import type { IntakeState, TenantLaneInput } from '../workflows/types';
import type { Unstartable } from './poll-and-start';

/** Priority of the poller's and the lanes' workflow tasks (1 is the highest; linkage runs keep the default 3). */
export const INTAKE_PRIORITY = { priorityKey: 1 } as const;

type StartBatch = (events: BusEvent[], unstartable: Unstartable[]) => Promise<{ started: number; refused: number }>;
type ParsePage = (raw: { events: unknown[]; nextAfter: number }) => {
  page: { events: BusEvent[]; nextAfter: number };
  unstartable: Unstartable[];
};

export class IntakeLaneKeeper {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly gateway: HttpClient,
    private readonly parse: ParsePage,
    /** Absent: a poller of the version before lanes, which starts every event itself. */
    private readonly intake?: IntakeState,
  ) {}

  /**
   * The tenants whose lane is done: their events after the lane's last one, up to the poller's cursor (which
   * skipped them), are started. Answers the tenants caught up on.
   */
  async catchUp(cursor: number, start: StartBatch): Promise<string[]> {
    const done: string[] = [];
    for (const [tenantId, lane] of Object.entries(this.intake?.lanes ?? {})) {
      if (!('catchUpFrom' in lane)) continue;
      let after = lane.catchUpFrom;
      while (after < cursor) {
        const raw = await readBus(this.gateway, { after, limit: this.config.poller.pageSize, waitMs: 0, tenantId });
        const { page, unstartable } = this.parse(raw);
        const mine = page.events.filter((e) => e.seq <= cursor);
        await start(
          mine,
          unstartable.filter((u) => u.seq === null || u.seq <= cursor),
        );
        if (raw.events.length < this.config.poller.pageSize || page.nextAfter <= after) break;
        after = page.nextAfter;
      }
      done.push(tenantId);
    }
    return done;
  }

  /**
   * The page's events the poller starts itself, and the tenants handed to a lane by this page. For an older
   * poller that is every event; with POLLER_LANE_THRESHOLD=0, every event but the capped tenants'.
   */
  async share(
    events: BusEvent[],
  ): Promise<{ toStart: BusEvent[]; delegated: Array<{ tenantId: string; from: number }> }> {
    const threshold = this.config.poller.laneThreshold;
    if (!this.intake) return { toStart: events, delegated: [] };
    const byTenant = new Map<string, BusEvent[]>();
    for (const e of events) {
      const mine = byTenant.get(e.tenantId);
      if (mine) mine.push(e);
      else byTenant.set(e.tenantId, [e]);
    }
    const skip = new Set<string>();
    const delegated: Array<{ tenantId: string; from: number }> = [];
    for (const [tenantId, mine] of byTenant) {
      const lane = this.intake.lanes[tenantId];
      if (lane && 'from' in lane) {
        skip.add(tenantId);
        continue;
      }
      const capped = Object.hasOwn(this.config.poller.tenantRates, tenantId);
      if (capped || (threshold > 0 && mine.length >= threshold)) {
        const from = mine[0].seq - 1;
        await this.startLane(tenantId, from);
        delegated.push({ tenantId, from });
        skip.add(tenantId);
      }
    }
    return { toStart: events.filter((e) => !skip.has(e.tenantId)), delegated };
  }

  /**
   * A lane the poller leaves a tenant to but that ended without its word (an operator terminated it, or it
   * failed) would hold the tenant's events back for ever: it is started anew from its position (what it
   * started already is a duplicate, never a second run). Checked once a page is not full, events of the
   * tenant or not (the poller's cursor may be past all of them), after the page's own starts: a poller
   * behind does not pay for it.
   */
  async restartStoppedLanes(): Promise<void> {
    const { taskQueue } = this.config.temporal;
    for (const [tenantId, lane] of Object.entries(this.intake?.lanes ?? {})) {
      if (!('from' in lane)) continue;
      const handle = this.client.workflow.getHandle(tenantLaneWorkflowId(taskQueue, tenantId, lane.from));
      const status = await handle.describe().then(
        (d) => d.status.name,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
          throw err;
        },
      );
      // Completed: its word is on its way to the poller (or taken by an earlier run of it).
      if (status !== 'RUNNING' && status !== 'COMPLETED' && status !== 'CONTINUED_AS_NEW') {
        await this.startLane(tenantId, lane.from);
      }
    }
  }

  /** The lane of one delegation: its id names its first seq, so a page read again starts the same lane. */
  private async startLane(tenantId: string, from: number): Promise<void> {
    const { taskQueue } = this.config.temporal;
    const input: TenantLaneInput = {
      tenantId,
      after: from,
      from,
      pollerWorkflowId: pollerWorkflowId(taskQueue),
      pollIntervalMs: this.config.pollIntervalMs,
    };
    // Started already and done (the page is read again after a crash): the lane's word reached the poller.
    // Terminated or failed (an operator stopped it, and a poller resumed at its position reads the page
    // again): the lane starts anew from `from`, or the tenant's events would be left to a lane that is gone.
    await this.client.workflow
      .start('TenantLaneWorkflow', {
        workflowId: tenantLaneWorkflowId(taskQueue, tenantId, from),
        taskQueue: intakeTaskQueue(taskQueue),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        // The intake's own tasks first: a lane never waits behind the backlog it is starting.
        priority: INTAKE_PRIORITY,
        staticSummary: bounded(`Intake lane of tenant ${tenantId}, from bus seq ${from}`, 400),
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  }
}

/** How many seconds of a capped lane's starts one page holds: its activity stays far from its timeout. */
export const CAPPED_PAGE_SECONDS = 10;

/**
 * A lane's page size: POLLER_PAGE_SIZE, or for a capped tenant at most CAPPED_PAGE_SECONDS of its starts.
 */
export function lanePageSize(config: Config, tenantId: string): number {
  const rate = config.poller.tenantRates[tenantId];
  if (rate === undefined) return config.poller.pageSize;
  return Math.max(1, Math.min(config.poller.pageSize, Math.floor(rate * CAPPED_PAGE_SECONDS)));
}

/** One page of a lane: the tenant's events after `after`, without waiting; caught up when it is not full. */
export async function readLanePage(
  gateway: HttpClient,
  config: Config,
  tenantId: string,
  after: number,
  signal: AbortSignal,
) {
  const limit = lanePageSize(config, tenantId);
  const raw = await readBus(
    gateway,
    { after, limit, waitMs: 0, tenantId },
    { timeoutMs: config.retry.httpTimeoutMs, signal },
  );
  return { raw, caughtUp: raw.events.length < limit };
}

/**
 * The pace of a capped lane's page read at `t0`: its i-th start waits until t0 + i / rate, and the page ends
 * no sooner than t0 + n / rate, so the next page's first start keeps the interval too. Exact over a page and
 * between a lane's pages; uncapped tenants are not paced.
 */
export function lanePacer(
  config: Config,
  tenantId: string,
  t0: number,
  sleep: (ms: number) => Promise<void>,
): { beforeStart(index: number): Promise<void>; end(count: number): Promise<void> } {
  const rate = config.poller.tenantRates[tenantId];
  const until = async (at: number) => {
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
  };
  if (rate === undefined) return { beforeStart: async () => undefined, end: async () => undefined };
  return {
    beforeStart: (index) => until(t0 + (index * 1000) / rate),
    end: (count) => until(t0 + (count * 1000) / rate),
  };
}
