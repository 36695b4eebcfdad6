/** Summaries of measured durations (milliseconds). */
export interface Timing {
  runs: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export function timing(durationsMs: number[]): Timing {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    runs: sorted.length,
    medianMs: round(median, 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted[sorted.length - 1], 2),
  };
}

/** Runs `fn` and answers how long it took, in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);
