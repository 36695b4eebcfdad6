/**
 * The saga helper: remembers how to undo each completed step and, when a later required step fails for
 * good (or an operator cancels the run), undoes them in reverse order in a non-cancellable scope, so
 * compensation itself cannot be interrupted by the cancellation that triggered it.
 */
import { CancellationScope, log } from '@temporalio/workflow';

interface Compensation {
  step: string;
  undo: () => Promise<void>;
}

export interface CompensationReport {
  compensated: string[];
  failed: { step: string; error: string }[];
}

export class Saga {
  private readonly compensations: Compensation[] = [];

  add(step: string, undo: () => Promise<void>): void {
    this.compensations.push({ step, undo });
  }

  has(step: string): boolean {
    return this.compensations.some((c) => c.step === step);
  }

  get size(): number {
    return this.compensations.length;
  }

  /** Runs every compensation, newest first; one that fails is reported and the others still run. */
  async compensate(onStep?: (step: string, ok: boolean, error?: string) => void): Promise<CompensationReport> {
    const report: CompensationReport = { compensated: [], failed: [] };
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...this.compensations].reverse()) {
        try {
          await c.undo();
          report.compensated.push(c.step);
          onStep?.(c.step, true);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          log.error('compensation failed', { step: c.step, error });
          report.failed.push({ step: c.step, error });
          onStep?.(c.step, false, error);
        }
      }
    });
    this.compensations.length = 0;
    return report;
  }
}
