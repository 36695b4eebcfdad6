/**
 * No import cycle among the product's modules (workflows, activities, starter, common, worker, ops,
 * platform): each runtime import is read from the sources (test/layout/import-graph.ts). The detector is
 * checked on a graph with a cycle first, so an empty answer for the tree means something.
 */
import path from 'node:path';
import { cyclesOf, importGraph } from './import-graph';

test('the detector finds a cycle where there is one', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  expect(cyclesOf(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});

test('the product has no import cycle', () => {
  const graph = importGraph(path.resolve(__dirname, '../..'));
  expect(graph.size).toBeGreaterThan(50);
  expect(graph.get('worker/worker-activities.ts')).toContain('activities/index.ts');
  expect(cyclesOf(graph)).toEqual([]);
});
