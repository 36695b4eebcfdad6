/**
 * The folders' layering, on the runtime imports (test/layout/import-graph.ts): activities never import the
 * starter nor workflow code (the worker puts the poller's activity beside them; workflow-safe contracts
 * live in common/), and common/ imports no other folder of the repository. Type-only imports are free.
 * The rule is checked on a graph that breaks it first, so an empty answer for the tree means something.
 */
import path from 'node:path';
import { importGraph } from './import-graph';

/** Folders a file of `folder` must not import at run time. */
const FORBIDDEN: Record<string, string[]> = {
  activities: ['starter', 'workflows'],
  common: ['activities', 'starter', 'workflows', 'worker', 'ops', 'platform', 'scripts', 'test', 'bench'],
};

const folderOf = (file: string) => file.split(/[\\/]/)[0];

/** Every import that breaks the layering, as `from → to`. */
function layerViolations(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    const forbidden = FORBIDDEN[folderOf(file)] ?? [];
    for (const d of deps) if (forbidden.includes(folderOf(d))) out.push(`${file} → ${d}`);
  }
  return out.sort();
}

test('the rule finds an import that breaks the layering', () => {
  const graph = new Map([
    ['activities/a.ts', ['common/b.ts', 'starter/c.ts']],
    ['common/b.ts', ['scripts/lib/d.ts']],
    ['starter/c.ts', ['activities/a.ts']],
  ]);
  expect(layerViolations(graph)).toEqual(['activities/a.ts → starter/c.ts', 'common/b.ts → scripts/lib/d.ts']);
});

test('activities import neither starter/ nor workflows/, and common/ no other folder', () => {
  const graph = importGraph(path.resolve(__dirname, '../..'));
  expect(graph.get('activities/index.ts')).toContain('activities/cells.ts');
  expect(layerViolations(graph)).toEqual([]);
});
