/** How a catalogue template becomes a value (see `Template` in types.ts). Pure: workflow code renders bodies. */
import type { Template } from './types';

/** What a template reads: the event's payload and what the run's steps made so far. */
export interface TemplateScope {
  payload: Record<string, unknown>;
  steps?: Record<string, Record<string, unknown> | undefined>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A dotted path into the payload: `formData.sourceId`. */
export function fieldOf(payload: Record<string, unknown>, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (!isObject(v)) return undefined;
    v = v[part];
  }
  return v;
}

export function render(t: Template, scope: TemplateScope): unknown {
  if (t === null || typeof t !== 'object') return t;
  if (Array.isArray(t)) return t.map((x) => render(x, scope));
  if ('$' in t && typeof t.$ === 'string') {
    const v = fieldOf(scope.payload, t.$);
    return v ?? (t.default === undefined ? v : render(t.default, scope));
  }
  if ('format' in t && typeof t.format === 'string') {
    return t.format.replace(/\{([\w.]+)\}/g, (_, path: string) => String(fieldOf(scope.payload, path) ?? ''));
  }
  if ('step' in t && typeof t.step === 'string' && 'field' in t && typeof t.field === 'string') {
    const v = scope.steps?.[t.step]?.[t.field];
    return v ?? (t.default === undefined ? v : render(t.default, scope));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) out[k] = render(v as Template, scope);
  return out;
}

/** A template rendered to a non-empty string, or null (a key part or a source field that is absent). */
export function renderString(t: Template, scope: TemplateScope): string | null {
  const v = render(t, scope);
  return typeof v === 'string' && v ? v : null;
}
