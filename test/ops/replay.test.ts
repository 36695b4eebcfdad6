/**
 * Every committed history (test/histories, recorded by scripts/record-histories.ts)
 * replays against the current workflow code; and the check can fail: a bundle whose ContractSigned
 * workflow reorders its steps is caught as non-deterministic.
 *
 * The histories recorded before the one-live-document change (its own folder) still
 * replay, on the old path: that change is behind `patched()`, whose marker the new histories carry.
 *
 * Likewise the histories recorded before the calls became local activities: regular
 * activity events, replayed on the regular-activity path; the new histories record local-activity markers.
 *
 * Likewise the histories recorded before the status changes reached the data lake, and the lake
 * resync's before a paused all-to-datalake rule could hold it.
 * A contract run held by a paused rule and released, and the rule-control workflow, replay too.
 *
 * Likewise the histories recorded before an approval's source was read in its create's own call: a
 * separate `source-check` local activity, replayed on that path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_CATALOGUE, GENERIC_WORKFLOW, workflowTypeOf } from '../../common/catalogue';
import { loadHistoryFiles, replayHistories } from '../../ops/commands/replay';
import {
  LAKE_LIFECYCLE_PATCH,
  LOCAL_ACTIVITIES_PATCH,
  ONE_LIVE_DOCUMENT_PATCH,
  RULE_PAUSE_PATCH,
  SOURCE_CHECK_IN_CREATE_PATCH,
} from '../../workflows/patches';
import type { temporal } from '@temporalio/proto';

const DIR = path.resolve(__dirname, '../histories');
const BEFORE_ONE_LIVE_DOCUMENT = path.join(DIR, 'before-one-live-document');
const BEFORE_LOCAL_ACTIVITIES = path.join(DIR, 'before-local-activities');
const BEFORE_LAKE_LIFECYCLE = path.join(DIR, 'before-lake-lifecycle');
const BEFORE_RESYNC_PAUSE = path.join(DIR, 'before-resync-pause');
const BEFORE_SOURCE_CHECK_IN_CREATE = path.join(DIR, 'before-source-check-in-create');

type History = ReturnType<typeof loadHistoryFiles>[number];
const eventsOf = (h: History) => (h.history as temporal.api.history.v1.IHistory).events ?? [];
const isLinkage = (h: History) => !/^(EventPoller|RuleControl|LakeResync)Workflow/.test(h.workflowId);
/** Activity tasks scheduled on the server, and local-activity markers. */
function callsOf(h: History): { regular: number; local: number } {
  const events = eventsOf(h);
  return {
    regular: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

/** The `patched()` ids a history's markers record. */
function patchIds(h: History): string[] {
  return eventsOf(h).flatMap((e) => {
    const a = e.markerRecordedEventAttributes;
    if (a?.markerName !== 'core_patch') return [];
    return Object.values(a.details ?? {}).flatMap((p) =>
      (p.payloads ?? []).map((pl) => (JSON.parse(Buffer.from(pl.data!).toString('utf8')) as { id: string }).id),
    );
  });
}

describe('replay of the committed histories', () => {
  it('has one history per workflow type, plus a compensated and an invalid-payload ContractSigned', () => {
    const names = fs.readdirSync(DIR).map((f) => path.basename(f, '.json'));
    const expected = [
      ...new Set([...Object.values(BUILTIN_CATALOGUE.rules).map(workflowTypeOf), GENERIC_WORKFLOW]),
      'EventPollerWorkflow',
      'RuleControlWorkflow',
      'LakeResyncWorkflow',
    ];
    expect(names).toEqual(
      expect.arrayContaining([
        ...expected,
        'ContractSignedWorkflow-compensated',
        'ContractSignedWorkflow-invalid',
        'ContractSignedWorkflow-paused',
        'LakeResyncWorkflow-paused',
      ]),
    );
  });

  it('replays every history against the current workflow code', async () => {
    const outcomes = await replayHistories(loadHistoryFiles(DIR));
    expect(outcomes.length).toBeGreaterThanOrEqual(10);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('replays the histories recorded before the one-live-document change (patched() takes the old path)', async () => {
    const before = loadHistoryFiles(BEFORE_ONE_LIVE_DOCUMENT);
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect(before.flatMap(patchIds)).not.toContain(ONE_LIVE_DOCUMENT_PATCH);
    const outcomes = await replayHistories(before);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('replays the histories recorded before the local-activities change (regular activities, old path)', async () => {
    const before = loadHistoryFiles(BEFORE_LOCAL_ACTIVITIES);
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect(before.flatMap(patchIds)).not.toContain(LOCAL_ACTIVITIES_PATCH);
    const contract = before.find((h) => h.workflowId === 'ContractSignedWorkflow')!;
    expect(callsOf(contract)).toEqual({ regular: 3, local: 0 });
    const outcomes = await replayHistories(before);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('replays the histories recorded before the lake-lifecycle change (no status-change ingest)', async () => {
    const before = loadHistoryFiles(BEFORE_LAKE_LIFECYCLE);
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect(before.flatMap(patchIds)).not.toContain(LAKE_LIFECYCLE_PATCH);
    const outcomes = await replayHistories(before);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('replays the resync history recorded before a paused rule could hold a resync (no new command on it)', async () => {
    const before = loadHistoryFiles(BEFORE_RESYNC_PAUSE);
    expect(before.map((h) => h.workflowId)).toEqual(['LakeResyncWorkflow']);
    const outcomes = await replayHistories(before);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    // The current code's held resync: one look at the rule, a timer, the same page again once resumed.
    const held = loadHistoryFiles(DIR).find((h) => h.workflowId === 'LakeResyncWorkflow-paused')!;
    expect(eventsOf(held).filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
  });

  it('replays the histories recorded before the source check moved into the create (its own local activity)', async () => {
    const before = loadHistoryFiles(BEFORE_SOURCE_CHECK_IN_CREATE);
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect([...new Set(before.filter(isLinkage).flatMap(patchIds))]).toEqual([RULE_PAUSE_PATCH]);
    // The approval, the source check and the ingest.
    expect(callsOf(before.find((h) => h.workflowId === 'SalesOrderCreatedWorkflow')!).local).toBe(3);
    const outcomes = await replayHistories(before);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('the linkage histories of the current code carry the newest patch marker only and make their calls locally', () => {
    const linkage = loadHistoryFiles(DIR).filter(isLinkage);
    for (const h of linkage) {
      // The newest marker implies every older path: one marker and one upsert per run, whatever the changes.
      expect([h.workflowId, patchIds(h)]).toEqual([h.workflowId, [SOURCE_CHECK_IN_CREATE_PATCH]]);
      expect([h.workflowId, callsOf(h).regular]).toEqual([h.workflowId, 0]);
    }
    // ERP order, OA approval and data-lake ingest: one marker each; no status changed, nothing more.
    expect(callsOf(linkage.find((h) => h.workflowId === 'ContractSignedWorkflow')!).local).toBe(3);
    // The write-back, the event's ingest and the ingest of the status it wrote.
    expect(callsOf(linkage.find((h) => h.workflowId === 'ApprovalCompletedWorkflow')!).local).toBe(3);
    // The approval with its source's read, and the ingest.
    for (const id of ['SalesOrderCreatedWorkflow', 'PurchaseOrderCreatedWorkflow']) {
      expect([id, callsOf(linkage.find((h) => h.workflowId === id)!).local]).toEqual([id, 2]);
    }
  });

  it('catches a non-deterministic change: ContractSigned with its steps reordered', async () => {
    const histories = loadHistoryFiles(DIR).filter((h) => h.workflowId.startsWith('ContractSignedWorkflow'));
    const outcomes = await replayHistories(
      histories,
      path.resolve(__dirname, '../fixtures/nondeterministic-workflows.ts'),
    );
    const byId = new Map(outcomes.map((o) => [o.workflowId, o]));
    // Both recorded runs created the ERP order first: the reordered code schedules the approval instead.
    for (const id of ['ContractSignedWorkflow', 'ContractSignedWorkflow-compensated']) {
      expect(byId.get(id)).toMatchObject({ ok: false, errorName: 'DeterminismViolationError' });
    }
    // The invalid-payload run never reaches the steps: still deterministic under the change.
    expect(byId.get('ContractSignedWorkflow-invalid')).toMatchObject({ ok: true });
  });
});
