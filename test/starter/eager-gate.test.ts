/**
 * The intake's eager gate (starter/eager-gate.ts), on its own: open while starts are eager, one start at a
 * time once one was not, open again at the first eager answer. Real timers; no timing is asserted.
 */
import { EagerGate } from '../../starter/eager-gate';

describe('eager gate', () => {
  it('lets every start go while the starts are eager', async () => {
    const gate = new EagerGate();
    const probes = await Promise.all(Array.from({ length: 8 }, () => gate.enter()));
    expect(probes.every((p) => !p)).toBe(true);
    for (const p of probes) gate.done(true, p);
    expect(await gate.enter()).toBe(false);
  });

  it('after a start that was not eager, lets one start go at a time until one is eager', async () => {
    const gate = new EagerGate();
    gate.done(false, await gate.enter());
    const order: string[] = [];
    const first = gate.enter().then((p) => (order.push('first'), p));
    const second = gate.enter().then((p) => (order.push('second'), p));
    // Only the probe goes; the other waits for its answer.
    expect(await first).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['first']);
    // Not eager again: the next start is again the only one let through.
    gate.done(false, true);
    expect(await second).toBe(true);
    const third = gate.enter();
    const fourth = gate.enter();
    // Eager: the gate opens, every waiting start goes.
    gate.done(true, true);
    expect(await Promise.all([third, fourth])).toEqual([false, false]);
  });

  it('a start let through while open that was not eager does not end another start’s probe', async () => {
    const gate = new EagerGate();
    const open = await gate.enter();
    gate.done(false, open);
    const probe = await gate.enter();
    expect(probe).toBe(true);
    const waiting = gate.enter();
    let settled = false;
    void waiting.then(() => (settled = true));
    // An answer from a start that went before the gate closed.
    gate.done(false, false);
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    gate.done(true, probe);
    expect(await waiting).toBe(false);
  });
});
