/**
 * Writes docs/linkage-rules.md from the rule catalogue (common/catalogue): `npm run docs:rules`.
 * test/layout/linkage-rules-doc.test.ts fails when the committed page and the catalogue differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  BUILTIN_CATALOGUE,
  statusesWritten,
  workflowTypeOf,
  type Catalogue,
  type CreateStep,
  type KeySpec,
  type Template,
} from '../common/catalogue';
import { RULE_TOGGLES, type RuleName } from '../common/rules';

export const RULES_DOC = path.join(__dirname, '..', 'docs', 'linkage-rules.md');

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function template(t: Template): string {
  if (t === null || typeof t !== 'object') return JSON.stringify(t);
  if (Array.isArray(t)) return `[${t.map(template).join(', ')}]`;
  if ('$' in t && typeof t.$ === 'string') return t.default === undefined ? t.$ : `${t.$} ?? ${template(t.default)}`;
  if ('format' in t && typeof t.format === 'string') return JSON.stringify(t.format);
  if ('step' in t && typeof t.step === 'string') return `(${t.step}).${String(t.field)}`;
  return `{ ${Object.entries(t)
    .map(([k, v]) => `${k}: ${template(v as Template)}`)
    .join(', ')} }`;
}

const key = (k: KeySpec) => [k.cell, k.type, k.id].map(template).join(':').replace(/"/g, '');
const toggle = (r: RuleName) => `${code(r)} (${code(RULE_TOGGLES[r])})`;

function step(catalogue: Catalogue, s: CreateStep): string {
  const spec = catalogue.documents[s.creates];
  const foundBy = spec?.withdrawn
    ? 'its `formData` source and `typeCode`'
    : Object.entries(s.source ?? {})
        .map(([f, t]) => `${f} = ${template(t)}`)
        .join(', ');
  const lines = [
    `- **${s.name}**: ${s.title}. Rule ${toggle(s.rule)}. Makes ${code(s.creates)}, found by ${foundBy || 'nothing'};` +
      ` undone by ${spec?.withdrawn ? 'withdrawal' : 'cancellation (9) and the cascade to its open approvals'}.`,
    `  Body: ${code(template(s.body))}.`,
  ];
  if (s.recheckSource)
    lines.push(`  Once made, its source ${code(s.recheckSource)} is read again: cancelled, the approval is withdrawn.`);
  if (s.whileHeld) lines.push(`  Made meanwhile while ${code(s.whileHeld)} is held by its paused rule.`);
  return lines.join('\n');
}

export function rulesDoc(catalogue: Catalogue = BUILTIN_CATALOGUE): string {
  const rules = Object.values(catalogue.rules);
  const out: string[] = [
    '# Linkage rules',
    '',
    '<!-- Generated from common/catalogue by `npm run docs:rules`; edit the catalogue, not this page. -->',
    '',
    'Each linkage rule is one declarative record in `common/catalogue/rules/`: the event type, its workflow,',
    'the business keys its runs are found by, the documents each step makes (with how each is found by its',
    'source and undone), the statuses it writes and the lake table. The poller, the run skeleton, compensation by',
    'source, the rule pause, the resync and the search attributes all read it. A run records its rule in its',
    'input, so a catalogue changed later never changes a running history. Payload schemas are in',
    '`common/events.ts`, by event type: zod stays out of the workflow bundle.',
    '',
    '| event | workflow | steps | keys | lake table |',
    '| --- | --- | --- | --- | --- |',
    ...rules.map((r) =>
      [
        code(r.eventType),
        code(workflowTypeOf(r)),
        cell(r.summary),
        r.keys.map((k) => code(key(k))).join(', ') || '-',
        code(r.lakeTable ?? 'events'),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
    `| any other event | ${code('GenericEventWorkflow')} | data lake only | - | ${code('events')} |`,
    '',
    'Every run also ingests its event into `<cell>/<lake table>` and the status changes it makes into',
    '`<cell>/status_changes` (rule `all-to-datalake`), beside its steps: their trouble never blocks the steps.',
    '',
    '## Steps',
    '',
  ];
  for (const r of rules) {
    const steps = [...r.steps.map((s) => step(catalogue, s))];
    for (const s of r.customSteps ?? [])
      steps.push(`- **${s.name}**: ${s.title}. Rule ${toggle(s.rule)}. Workflow code.`);
    if (r.writeBack) {
      steps.push(`  Writes ${r.writeBack.statuses.join(' / ')} to ${r.writeBack.kinds.map(code).join(', ')}.`);
    }
    out.push(`### ${code(r.eventType)}`, '', steps.length ? steps.join('\n') : 'No steps: the data lake only.', '');
  }
  out.push(
    '## Document kinds',
    '',
    '| kind | collection | status field | undone by | statuses linkages write |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(catalogue.documents).map(
      ([kind, d]) =>
        `| ${code(kind)} | ${code(d.list)} | ${code(d.statusField)} | ${d.withdrawn ? 'withdrawal' : 'cancellation'} | ${
          statusesWritten(catalogue, kind).join(', ') || '-'
        } |`,
    ),
    '',
    'The resync records only the statuses linkages write, so the lake holds the same records whether a run or a',
    'resync wrote them.',
    '',
    '## Adding a rule',
    '',
    'A rule whose steps are ordinary creates needs no workflow code. Write a module that exports `rules` (records',
    'of the shape in `common/catalogue/types.ts`), and optionally `documents` (new document kinds) and',
    '`payloadSchemas` (zod schemas for new event types), then name it in `LINKAGE_RULES_MODULES`',
    "(comma-separated paths). A record for an event type the catalogue has adds its steps to that rule's run",
    '(after the built-in ones); one for a new event type runs as `LinkageRuleWorkflow`. The worker checks the',
    'module at start and refuses one it cannot serve (an unknown rule or document kind, a step name used twice, a',
    'new event type without a payload schema), naming it. `test/fixtures/rules/requisition-approval.ts` is an',
    'example: a requisition also gets an OA `purchase` approval, held by a paused `all-to-oa`, withdrawn when its',
    'run compensates, found by its key in the Web UI and filled in by a resync.',
    '',
    "A change to a built-in rule's steps changes what new runs do; runs started before keep the rule recorded in",
    'their input. Changes to the workflow code itself follow [changing workflow code](operations/changing-workflow-code.md).',
    '',
  );
  return out.join('\n');
}

/** The page as committed: formatted by the repository's prettier, like every other page of docs/. */
export function formattedRulesDoc(catalogue: Catalogue = BUILTIN_CATALOGUE): string {
  const prettier = path.join(__dirname, '..', 'node_modules', '.bin', 'prettier');
  return execFileSync(prettier, ['--stdin-filepath', RULES_DOC], { input: rulesDoc(catalogue), encoding: 'utf8' });
}

if (require.main === module) {
  fs.writeFileSync(RULES_DOC, formattedRulesDoc());
  console.log(`wrote ${path.relative(process.cwd(), RULES_DOC)}`);
}
