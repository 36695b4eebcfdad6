/**
 * The product's module graph, read from the sources: each file's runtime imports (type-only imports and
 * `export type` re-exports erase at compile time, so they cannot form a cycle), resolved to files.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const PRODUCT_FOLDERS = ['workflows', 'activities', 'starter', 'common', 'worker', 'ops', 'platform'];

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function runtimeImports(file: string): string[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const s of src.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) {
      const named = s.importClause?.namedBindings;
      const allTypes =
        !s.importClause?.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
      if (!allTypes || !s.importClause) out.push((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) {
      out.push((s.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return null;
}

/** file → the product files it imports at run time (paths relative to `root`). */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of PRODUCT_FOLDERS) {
    for (const f of filesUnder(path.join(root, folder))) {
      const deps = runtimeImports(f)
        .map((s) => resolve(f, s))
        .filter((d): d is string => d !== null)
        .map((d) => path.relative(root, d));
      graph.set(path.relative(root, f), deps);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files around it. */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}
