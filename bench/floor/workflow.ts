/**
 * The engine's floor (bench/backlog.ts): a workflow of a linkage run's shape that does nothing of its own.
 * One workflow task, three local activities that return at once (a contract's or an order's run makes three:
 * the lake ingest beside two calls in a row), and one search-attribute upsert at close (the outcome and the
 * business keys, as a run closes); the starter sets the same search attributes a linkage start does.
 */
import { proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { LinkageBusinessKeys, LinkageOutcome } from '../../common/search-attributes';
import type { LinkageInput } from '../../workflows/types';
import type { FloorActivities } from './activities';

const { benchNoop } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

export async function BenchFloorWorkflow(input: LinkageInput): Promise<void> {
  const keys = workflowInfo().typedSearchAttributes.get(LinkageBusinessKeys) ?? [];
  // The lake ingest runs beside the steps; the steps one after the other.
  await Promise.all([benchNoop(), benchNoop().then(() => benchNoop())]);
  upsertSearchAttributes([
    { key: LinkageOutcome, value: 'completed' },
    { key: LinkageBusinessKeys, value: [...keys, `bench:noop:${input.event.eventId}`] },
  ]);
}
