/**
 * The intake's pace against its own worker. An eager start (starter/start-linkage.ts) is granted only while
 * the worker has a free workflow-task slot; once it has none, every further start goes through the task
 * queue instead: its first task is written to the server's backlog and read back, which costs the server
 * more than the run's eager start saves the worker (docs/benchmark.md, "eager workflow start"). A backlog
 * drained faster than the worker runs it would otherwise go almost all that way.
 *
 * So after a start that was not eager, starts go one at a time, each after a short pause that doubles while
 * they stay not eager (up to EAGER_GATE_MAX_PAUSE_MS); the first eager one lets them all go again. The pause
 * is short so that the intake never drops below a few dozen starts a second: the runs it does send through
 * the task queue still reach any other worker polling it.
 */
export const EAGER_GATE_MIN_PAUSE_MS = 5;
export const EAGER_GATE_MAX_PAUSE_MS = 40;

export class EagerGate {
  private pauseMs = 0;
  private pausedUntil = 0;
  /** A start made while the gate is closed: the others wait for its answer. */
  private probe: Promise<void> | null = null;
  private endProbe: (() => void) | null = null;

  constructor(private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))) {}

  /**
   * Waits until this start may go; answers whether it goes as the gate's probe. `done` must then be called
   * with whether the start was eager, and that answer.
   */
  async enter(): Promise<boolean> {
    for (;;) {
      if (this.probe) {
        await this.probe;
        continue;
      }
      if (this.pauseMs === 0) return false;
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      if (this.probe) continue;
      this.probe = new Promise((resolve) => (this.endProbe = resolve));
      return true;
    }
  }

  /** The answer of a start let through by `enter` (one that failed counts as eager: it says nothing). */
  done(eager: boolean, probe: boolean): void {
    if (eager) this.pauseMs = 0;
    else {
      this.pauseMs = Math.min(EAGER_GATE_MAX_PAUSE_MS, Math.max(EAGER_GATE_MIN_PAUSE_MS, this.pauseMs * 2));
      this.pausedUntil = Date.now() + this.pauseMs;
    }
    if (!probe) return;
    const end = this.endProbe;
    this.probe = null;
    this.endProbe = null;
    end?.();
  }
}
