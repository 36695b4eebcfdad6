/** docs/linkage-rules.md is the catalogue's: regenerate it with `npm run docs:rules` after a rule changes. */
import fs from 'node:fs';
import { BUILTIN_CATALOGUE, extendCatalogue } from '../../common/catalogue';
import { formattedRulesDoc, RULES_DOC, rulesDoc } from '../../scripts/linkage-rules-doc';
import { rules as added } from '../fixtures/rules/requisition-approval';

it('the committed page is the one the catalogue makes', () => {
  expect(fs.readFileSync(RULES_DOC, 'utf8')).toBe(formattedRulesDoc());
});

it('a rule added to the catalogue shows on the page', () => {
  const page = rulesDoc(extendCatalogue(BUILTIN_CATALOGUE, { rules: added }));
  expect(page).not.toBe(rulesDoc());
  expect(page).toContain('**oa-purchase-approval**: Create OA purchase approval');
});
