/**
 * Issue 5, item 2: every committed history (test/histories, recorded by scripts/record-histories.ts)
 * replays against the current workflow code; and the check can fail: a bundle whose ContractSigned
 * workflow reorders its steps is caught as non-deterministic.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WORKFLOW_FOR_EVENT, GENERIC_WORKFLOW } from '../../common/linkage';
import { loadHistoryFiles, replayHistories } from '../../ops/commands/replay';

const DIR = path.resolve(__dirname, '../histories');

describe('replay of the committed histories', () => {
  it('has one history per workflow type, plus a compensated and an invalid-payload ContractSigned', () => {
    const names = fs.readdirSync(DIR).map((f) => path.basename(f, '.json'));
    const expected = [...Object.values(WORKFLOW_FOR_EVENT), GENERIC_WORKFLOW, 'EventPollerWorkflow'];
    expect(names).toEqual(
      expect.arrayContaining([...expected, 'ContractSignedWorkflow-compensated', 'ContractSignedWorkflow-invalid']),
    );
  });

  it('replays every history against the current workflow code', async () => {
    const outcomes = await replayHistories(loadHistoryFiles(DIR));
    expect(outcomes.length).toBeGreaterThanOrEqual(10);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
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
