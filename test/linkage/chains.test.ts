/**
 * The full linkage chains (docs/rules-and-configuration.md) through the real poller, worker, platform and Temporal:
 * contract signed → ERP order → sales-order and contract approvals → completed → statuses written back;
 * requisition → RFQ → quote awarded → PO → PO approval → written back.
 */
import { contractChain, procurementChain } from '../helpers/chains';
import { createLinkageEnv, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('chains');
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});

describe('full linkage chains', () => {
  it('contract signed → ERP order → approvals → statuses written back (2 and 3)', () => contractChain(env));
  it('requisition → RFQ → quote awarded → PO → PO approval → written back', () => procurementChain(env));
});
