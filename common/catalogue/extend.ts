/**
 * A catalogue with rules added (a later batch of modules, a deployment's own rule): a record for an event
 * type the catalogue has adds its steps and keys to that rule's run; one for a new event type is a rule of
 * its own. Every inconsistency is refused with a message naming the rule, so a worker never starts on a
 * catalogue it cannot serve.
 */
import { isRuleName } from '../rules';
import type { Catalogue, DocumentSpec, LinkageRule } from './types';

export interface CatalogueAdditions {
  rules: LinkageRule[];
  documents?: Record<string, DocumentSpec>;
}

export function extendCatalogue(base: Catalogue, add: CatalogueAdditions): Catalogue {
  const problems: string[] = [];
  const documents: Record<string, DocumentSpec> = { ...base.documents };
  for (const [kind, spec] of Object.entries(add.documents ?? {})) {
    if (documents[kind]) problems.push(`document kind ${kind} is already in the catalogue`);
    else if (!/^[a-z0-9_]+:[a-z0-9_]+$/.test(kind)) problems.push(`document kind ${kind} must be <cell>:<type>`);
    else documents[kind] = spec;
  }
  const rules: Record<string, LinkageRule> = { ...base.rules };
  for (const r of add.rules) {
    const existing = rules[r.eventType];
    if (!existing) {
      rules[r.eventType] = r;
      continue;
    }
    if (r.workflow && r.workflow !== existing.workflow) {
      problems.push(`${r.eventType}: the rule's workflow is ${existing.workflow ?? 'none'}, not ${r.workflow}`);
    }
    if (r.lakeTable && r.lakeTable !== existing.lakeTable) {
      problems.push(`${r.eventType}: the lake table is ${existing.lakeTable ?? 'events'}, not ${r.lakeTable}`);
    }
    rules[r.eventType] = {
      ...existing,
      summary: `${existing.summary}; ${r.summary}`,
      keys: [...existing.keys, ...r.keys],
      steps: [...existing.steps, ...r.steps],
      customSteps: [...(existing.customSteps ?? []), ...(r.customSteps ?? [])],
    };
  }
  const catalogue: Catalogue = { rules, documents };
  problems.push(...catalogueProblems(catalogue));
  if (problems.length) throw new Error(`the rule catalogue is inconsistent:\n  - ${problems.join('\n  - ')}`);
  return catalogue;
}

/** What a worker could not serve: unknown kinds and rules, step names used twice, a `whileHeld` ahead. */
export function catalogueProblems(catalogue: Catalogue): string[] {
  const problems: string[] = [];
  for (const r of Object.values(catalogue.rules)) {
    const names = new Set<string>();
    for (const s of [...r.steps, ...(r.customSteps ?? [])]) {
      const at = `${r.eventType} step ${s.name}`;
      if (names.has(s.name)) problems.push(`${at}: a step of that name is in the rule already`);
      names.add(s.name);
      if (!isRuleName(s.rule)) problems.push(`${at}: unknown rule ${s.rule}`);
    }
    r.steps.forEach((s, i) => {
      const at = `${r.eventType} step ${s.name}`;
      if (!catalogue.documents[s.creates]) problems.push(`${at}: unknown document kind ${s.creates}`);
      if (s.recheckSource && !catalogue.documents[s.recheckSource]) {
        problems.push(`${at}: unknown document kind ${s.recheckSource} to recheck`);
      }
      if (s.whileHeld && !r.steps.slice(0, i).some((x) => x.name === s.whileHeld)) {
        problems.push(`${at}: whileHeld names ${s.whileHeld}, which is not an earlier step`);
      }
    });
    if (r.document && !catalogue.documents[r.document.kind]) {
      problems.push(`${r.eventType}: unknown document kind ${r.document.kind}`);
    }
  }
  return problems;
}
