/**
 * Dead letters an operator can work with, through the real CLI (`node --import tsx ops/cli.ts`,
 * what `npm run linkage --` runs): a linkage failed on purpose leaves a letter that `dlq` lists open;
 * after the cause is fixed `dlq redrive <id> --wait` retries its run to completion and marks the letter;
 * `dlq resolve` records who, when and the note, and the letter is no longer listed as open.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { EVENT_TYPES, STATUS } from '../../common/events';
import { businessKey } from '../../common/linkage';
import { ROOT } from '../../scripts/lib/paths';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('ops-dlq');
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator CLI as a child process; asynchronous, so this process's worker keeps running meanwhile. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'ops/cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env.env, USER: 'ops-user', ...extraEnv }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
const json = <T = Rec>(run: CliRun): T => {
  if (run.code !== 0 && !run.stdout.trim().startsWith('{') && !run.stdout.trim().startsWith('[')) {
    throw new Error(`cli exited ${run.code}: ${run.stderr}`);
  }
  return JSON.parse(run.stdout) as T;
};

/** A signed contract whose linkage fails for good on ERP 422: its run, event and dead letter. */
async function failedLinkage(tenant: string, contractNo: string) {
  await env.api.refuseOrders('customer c-11 is blocked');
  const contract = await env.api.signContract(tenant, { customerId: 'c-11', contractNo, amountCents: 1100 });
  const { event, handle } = await env.runOf(
    'the contract',
    (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === contract.id,
  );
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const [letter] = await waitFor('the dead letter', async () => {
    const letters = await env.api.deadLetters(`?workflowId=${encodeURIComponent(handle.workflowId)}`);
    return letters.length ? letters : null;
  });
  return { contract, event, handle, letter, runId: (await handle.describe()).runId };
}

const liveOrders = async (tenant: string, contractId: string): Promise<Rec[]> =>
  (await env.api.list(tenant, `/erp/orders?sourceContractId=${contractId}`)).filter(
    (o) => o.orderStatus !== STATUS.cancelled,
  );

describe('npm run linkage -- dlq', () => {
  it('lists the open letter; redrive --wait retries its run to completed and marks the letter', async () => {
    const tenant = uniqueTenant('dlq');
    const { contract, event, handle, letter, runId } = await failedLinkage(tenant, 'HT-11');

    // Every field the worker posted is there.
    expect(letter).toMatchObject({
      status: 'open',
      workflowId: handle.workflowId,
      runId,
      eventId: event.eventId,
      eventType: EVENT_TYPES.contractSigned,
      tenantId: tenant,
      step: expect.any(String),
    });
    expect(letter.businessKeys).toContain(businessKey('crm', 'contract', contract.id));
    expect(String(letter.reason)).toContain('customer c-11 is blocked');

    const table = await cli(['dlq', '--tenant', tenant]);
    expect(table.code).toBe(0);
    const [header, row, total] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+CREATED\s+TENANT\s+EVENT TYPE\s+STEP\s+WORKFLOW\s+REASON$/);
    expect(row).toContain(letter.id);
    expect(row).toContain(tenant);
    expect(row).toContain(EVENT_TYPES.contractSigned);
    expect(row).toContain(handle.workflowId);
    expect(row).toContain(String(letter.reason).slice(0, 60)); // shortened to one line
    expect(total).toBe('1 dead letter(s)');
    const listed = json<Rec[]>(await cli(['dlq', '--tenant', tenant, '--type', EVENT_TYPES.contractSigned, '--json']));
    expect(listed).toEqual([letter]);
    expect(json<Rec[]>(await cli(['dlq', '--tenant', tenant, '--type', 'erp.order.created', '--json']))).toEqual([]);

    // The cause fixed, the operator redrives the letter.
    await env.api.clearFaults();
    const redrive = await cli(['dlq', 'redrive', letter.id, '--wait', '--by', 'alice', '--json']);
    expect(redrive.code).toBe(0);
    const r = json<{ retry: Rec; resolved: boolean; letter: Rec }>(redrive);
    expect(r.retry).toMatchObject({ workflowId: handle.workflowId, oldRunId: runId, outcome: 'completed' });
    expect(r.retry.newRunId).not.toBe(runId);
    expect(r.resolved).toBe(true);
    expect(await liveOrders(tenant, contract.id)).toHaveLength(1);

    const [after] = await env.api.deadLetters(`?workflowId=${encodeURIComponent(handle.workflowId)}`);
    expect(after).toMatchObject({
      id: letter.id,
      redriveCount: 1,
      redrivenBy: 'alice',
      redriveRunId: r.retry.newRunId,
      redrivenAt: expect.any(String),
      status: 'resolved',
      resolvedBy: 'alice',
      resolutionNote: `redriven: run ${String(r.retry.newRunId)} ended completed`,
    });
    // No longer open; still listed with --all.
    expect((await cli(['dlq', '--tenant', tenant])).stdout.trim()).toBe('no dead letters match');
    const all = await cli(['dlq', '--all', '--tenant', tenant]);
    expect(all.stdout).toMatch(/STATUS/);
    expect(all.stdout).toMatch(new RegExp(`${letter.id}.*resolved`));
  });

  it('resolve records who (the login name by default), when and the note; a second resolve is refused', async () => {
    const tenant = uniqueTenant('dlq');
    const { letter } = await failedLinkage(tenant, 'HT-12');
    expect((await cli(['dlq', 'resolve', letter.id])).code).toBe(2); // --note is required

    const resolved = await cli(['dlq', 'resolve', letter.id, '--note', 'customer asked to drop the order']);
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain(`${letter.id}  resolved`);
    const [now] = await env.api.deadLetters(`?tenantId=${tenant}`);
    expect(now).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ops-user',
      resolutionNote: 'customer asked to drop the order',
      redriveCount: 0,
    });
    expect(Number.isNaN(Date.parse(String(now.resolvedAt)))).toBe(false);
    expect((await cli(['dlq', '--tenant', tenant])).stdout.trim()).toBe('no dead letters match');

    const again = await cli(['dlq', 'resolve', letter.id, '--note', 'twice', '--by', 'bob']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('already resolved by ops-user');
    expect((await cli(['dlq', 'redrive', 'dlq_unknown'])).stdout).toContain('no dead letter dlq_unknown');
  });
});
