/** Summaries of measured durations (milliseconds). */
import { percentiles } from '../percentiles';
import { round } from '../proc-stats';

export interface Timing {
  runs: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

export function timing(durationsMs: number[]): Timing {
  const p = percentiles(durationsMs);
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    runs: sorted.length,
    medianMs: round(median, 2),
    p99Ms: round(p.p99, 2),
    maxMs: round(p.max, 2),
  };
}

/** Runs `fn` and answers how long it took, in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000);
