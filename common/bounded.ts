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
