/**
 * Values derived from events (search attributes, summaries, business keys) bounded to Temporal's limits:
 * a long value keeps a readable start and says how long it was. The full value stays in the workflow's
 * input. Pure: workflows use it too.
 */
export const MAX_KEYWORD = 256;

export function bounded(value: string, max: number = MAX_KEYWORD): string {
  if (value.length <= max) return value;
  const tail = `…(${value.length} chars)`;
  return `${value.slice(0, Math.max(0, max - tail.length))}${tail}`;
}

/**
 * Like `bounded`, for a value that must stay unique (an id): a long one keeps its start and ends with a
 * hash of the whole (FNV-1a, 2 × 32 bits; pure, so workflows can use it).
 */
export function boundedId(value: string, max: number): string {
  if (value.length <= max) return value;
  const tail = `#${stableHash(value)}`;
  return `${value.slice(0, max - tail.length)}${tail}`;
}

/** 16 hex digits of FNV-1a over the UTF-16 code units, twice with swapped constants (2 × 32 bits). */
export function stableHash(value: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x811c9dc5) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}
