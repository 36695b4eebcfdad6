/**
 * The intake lanes' metrics (docs/operations/intake.md): the lanes open, and per tenant with a lane whether
 * it is behind (its last page was full), the age of the oldest event of its last page when it was read, its
 * pages and its starts. A page tells all of it: nothing is read for the metrics.
 *
 * Tenant labels are bounded: at most MAX_TENANT_LABELS tenants have their own series, given to the lanes as
 * they page. A tenant whose lane is done keeps its series until its label is wanted by another lane; when
 * every label belongs to a lane still behind, a further lane counts as `other` (for `other`, `behind` is the
 * number of those lanes behind and the lag the largest of theirs).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventPage } from '../starter/poll-and-start';
import type { IntakeState, LaneResult, PollResult } from '../workflows/types';

export const MAX_TENANT_LABELS = 20;
export const OTHER_TENANTS = 'other';

export interface LaneMetrics {
  onPollerPage(result: PollResult, intake?: IntakeState): void;
  onLanePage(tenantId: string, page: EventPage, result: LaneResult, readAtMs: number): void;
}

export function createLaneMetrics(registry: Registry): LaneMetrics {
  const lanesOpen = new Gauge({
    name: 'linkage_intake_lanes_open',
    help: "Tenant intake lanes open, as the main poller's last page on this worker saw them",
    registers: [registry],
  });
  const behind = new Gauge({
    name: 'linkage_intake_lane_behind',
    help: `1 while the tenant's lane is behind (its last page was full), 0 once caught up; for "${OTHER_TENANTS}", the lanes behind`,
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'linkage_intake_lane_lag_seconds',
    help: "Age of the oldest event of the lane's last page when it was read (0: an empty page)",
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  const pages = new Counter({
    name: 'linkage_intake_lane_pages_total',
    help: 'Pages of tenant lanes handled on this worker, caught up (short) or not (full)',
    labelNames: ['tenant', 'caught_up'] as const,
    registers: [registry],
  });
  const starts = new Counter({
    name: 'linkage_intake_lane_starts_total',
    help: 'Linkage runs started by tenant lanes on this worker',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });

  /** The tenants with a label of their own, oldest page first, and whether their lane was caught up then. */
  const labelled = new Map<string, { caughtUp: boolean }>();
  /** The lanes counted as `other` that are still behind, with their lag. */
  const others = new Map<string, number>();

  const forget = (tenant: string) => {
    behind.remove({ tenant });
    lag.remove({ tenant });
    starts.remove({ tenant });
    for (const caught_up of ['true', 'false']) pages.remove({ tenant, caught_up });
  };
  /** The tenant's label: its own while one is free or held by a lane done, else `other`. */
  const labelOf = (tenant: string): string => {
    if (labelled.has(tenant)) return tenant;
    if (others.has(tenant)) return OTHER_TENANTS;
    if (labelled.size >= MAX_TENANT_LABELS) {
      const done = [...labelled].find(([, s]) => s.caughtUp)?.[0];
      if (done === undefined) return OTHER_TENANTS;
      labelled.delete(done);
      forget(done);
    }
    labelled.set(tenant, { caughtUp: false });
    return tenant;
  };

  return {
    onPollerPage(result, intake) {
      const open = new Set(
        Object.entries(intake?.lanes ?? {})
          .filter(([, lane]) => 'from' in lane)
          .map(([tenant]) => tenant),
      );
      for (const { tenantId } of result.delegated ?? []) open.add(tenantId);
      lanesOpen.set(open.size);
    },
    onLanePage(tenantId, page, result, readAtMs) {
      const label = labelOf(tenantId);
      const oldest = Date.parse(page.events[0]?.occurredAt ?? '');
      const lagSeconds = Number.isNaN(oldest) ? 0 : Math.max(0, readAtMs - oldest) / 1000;
      pages.inc({ tenant: label, caught_up: String(result.caughtUp) });
      starts.inc({ tenant: label }, result.started);
      if (label !== OTHER_TENANTS) {
        // Re-inserted: the map's order is the order of the tenants' last pages, oldest first.
        labelled.delete(tenantId);
        labelled.set(tenantId, { caughtUp: result.caughtUp });
        behind.set({ tenant: label }, result.caughtUp ? 0 : 1);
        lag.set({ tenant: label }, lagSeconds);
        return;
      }
      if (result.caughtUp) others.delete(tenantId);
      else others.set(tenantId, lagSeconds);
      behind.set({ tenant: OTHER_TENANTS }, others.size);
      lag.set({ tenant: OTHER_TENANTS }, Math.max(0, ...others.values()));
    },
  };
}
