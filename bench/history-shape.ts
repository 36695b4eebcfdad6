/**
 * The shape of a sample of runs' histories: workflow tasks per run (a run's three local activities fit one
 * task unless they outlast its heartbeat, and every extra task is a round trip through the server), events,
 * and how long each run's first workflow task waited to be picked up (0 when the start was eager).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { RunRecord } from './core';
import { eventTimeMs } from './intake-split';
import { percentiles, type Percentiles } from './percentiles';
import { round } from './proc-stats';

const EventType = temporal.api.enums.v1.EventType;

export interface HistoryShape {
  sampled: number;
  workflowTasksMean: number;
  eventsMean: number;
  /** First workflow task scheduled → started (ms). */
  firstTaskWait: Percentiles;
  /** Runs whose first workflow task was started at once (under 1 ms: an eager start). */
  eagerShare: number;
}

/** The shape by workflow type (a contract's runs and its cascade's apart). */
export async function historyShapes(client: Client, runs: RunRecord[]): Promise<Record<string, HistoryShape>> {
  const types = [...new Set(runs.map((r) => r.type))].sort();
  const out: Record<string, HistoryShape> = {};
  for (const t of types)
    out[t] = await historyShape(
      client,
      runs.filter((r) => r.type === t),
      40,
    );
  return out;
}

export async function historyShape(client: Client, runs: RunRecord[], sample = 60): Promise<HistoryShape> {
  const step = Math.max(1, Math.floor(runs.length / sample));
  const picked = runs.filter((_, i) => i % step === 0).slice(0, sample);
  let tasks = 0;
  let events = 0;
  let eager = 0;
  const waits: number[] = [];
  for (const r of picked) {
    const h = await client.workflow.getHandle(r.workflowId).fetchHistory();
    const evs = h.events ?? [];
    events += evs.length;
    tasks += evs.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
    const scheduled = evs.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const started = evs.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const wait = eventTimeMs(started?.eventTime) - eventTimeMs(scheduled?.eventTime);
    if (started && scheduled) {
      waits.push(Math.round(wait));
      if (wait < 1) eager++;
    }
  }
  const n = Math.max(1, picked.length);
  return {
    sampled: picked.length,
    workflowTasksMean: round(tasks / n, 2),
    eventsMean: round(events / n, 1),
    firstTaskWait: percentiles(waits),
    eagerShare: round(eager / n, 2),
  };
}
