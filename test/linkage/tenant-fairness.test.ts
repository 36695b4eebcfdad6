/**
 * One tenant's flood does not hold back another's linkage at dispatch. Tenant A's contract events (a few
 * hundred, published straight to the bus) are started with no worker running, so their first workflow
 * tasks queue in matching; then tenant B signs one contract through CRM and its run is started last. With
 * the worker started, B's run is dispatched under its own fairness key ahead of A's backlog: shown by order
 * on Temporal's own close times, never by durations. Without fairness (matching.enableFairness=false in
 * scripts/dev-server.ts) B's task waits behind A's in its partition and closes among A's last, so fewer
 * than half of A's runs are still open then (about 300 with fairness, 22 without, on one run here): the
 * test fails. Every contract ends with one ERP order.
 */
import { fairDispatchCase } from '../helpers/fair-dispatch';
import { createLinkageEnv, type LinkageEnv } from '../helpers/linkage-env';

jest.setTimeout(300_000);

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('tenant-fairness');
});
afterAll(async () => {
  await env?.stop();
});

it("tenant B's contract is linked while tenant A's flood still has a backlog; one order per contract", () =>
  fairDispatchCase(env));
