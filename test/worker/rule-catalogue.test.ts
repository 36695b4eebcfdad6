/**
 * Rules added through LINKAGE_RULES_MODULES are checked at start: a module the worker cannot serve is
 * refused with a message naming it and what is wrong (pure: no server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../common/config';
import { ruleFor } from '../../common/catalogue';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-modules-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FIXTURE = path.join(__dirname, '../fixtures/rules/requisition-approval.ts');

/** A rules module on disk exporting `source` (JavaScript). */
function moduleFile(name: string, source: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, source);
  return file;
}

const step = (over: Record<string, unknown> = {}) => ({
  name: 'oa-x',
  title: 'X',
  rule: 'all-to-oa',
  creates: 'oa:approval',
  body: { typeCode: 'purchase', formData: { sourceCell: 'erp', sourceType: 'x', sourceId: { $: 'id' } } },
  ...over,
});
const rulesModule = (name: string, rules: unknown[], extra = '') =>
  moduleFile(name, `exports.rules = ${JSON.stringify(rules)};\n${extra}`);

function refusal(modules: string): string {
  try {
    loadConfig({ LINKAGE_RULES_MODULES: modules });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

it('adds the steps of a record for a built-in event type after the built-in ones', () => {
  const { catalogue } = loadConfig({ LINKAGE_RULES_MODULES: FIXTURE }).rules;
  const rule = ruleFor(catalogue, 'erp.purchase_requisition.created');
  expect(rule?.workflow).toBe('PurchaseRequisitionCreatedWorkflow');
  expect(rule?.steps.map((s) => s.name)).toEqual(['srm-rfq', 'oa-purchase-approval']);
});

it.each([
  ['a module that is not there', () => path.join(dir, 'missing.js'), /missing\.js could not be loaded/],
  ['a module without rules', () => moduleFile('empty', 'exports.x = 1;'), /rules: Required/],
  [
    'an unknown rule',
    () =>
      rulesModule('bad-rule', [
        { eventType: 'erp.x.created', summary: 's', keys: [], steps: [step({ rule: 'all-to-mars' })] },
      ]),
    /rules\.0\.steps\.0\.rule: must be one of the rules/,
  ],
  [
    'an unknown document kind',
    () =>
      rulesModule('bad-kind', [
        { eventType: 'erp.order.created', summary: 's', keys: [], steps: [step({ creates: 'erp:invoice' })] },
      ]),
    /erp\.order\.created step oa-x: unknown document kind erp:invoice/,
  ],
  [
    'a step name the rule has already',
    () =>
      rulesModule('twice', [
        { eventType: 'erp.order.created', summary: 's', keys: [], steps: [step({ name: 'oa-approval' })] },
      ]),
    /erp\.order\.created step oa-approval: a step of that name is in the rule already/,
  ],
  [
    'another workflow for a built-in event type',
    () =>
      rulesModule('workflow', [
        { eventType: 'erp.order.created', workflow: 'MyWorkflow', summary: 's', keys: [], steps: [] },
      ]),
    /the rule's workflow is SalesOrderCreatedWorkflow, not MyWorkflow/,
  ],
  [
    'a new event type without a payload schema',
    () => rulesModule('no-schema', [{ eventType: 'erp.invoice.created', summary: 's', keys: [], steps: [step()] }]),
    /erp\.invoice\.created is a new event type: give its payloadSchemas entry/,
  ],
  [
    'a whileHeld naming no earlier step',
    () =>
      rulesModule(
        'ahead',
        [{ eventType: 'erp.x.created', summary: 's', keys: [], steps: [step({ whileHeld: 'later' })] }],
        `exports.payloadSchemas = { 'erp.x.created': require(${JSON.stringify(require.resolve('zod'))}).z.object({}) };`,
      ),
    /whileHeld names later, which is not an earlier step/,
  ],
])('refuses %s, naming it', (_what, file, message) => {
  const m = file();
  const text = refusal(m);
  expect(text).toContain('LINKAGE_RULES_MODULES');
  expect(text).toMatch(message);
});
