/**
 * How a long-running process stops on Ctrl-C or SIGTERM: `stop` once (a second signal while it runs changes
 * nothing), then exit 0, or exit 1 naming the error when stopping failed.
 *
 * Install it before starting anything. Without a handler Node dies on the signal at once, without its
 * `exit` event: children in their own process group (the services, Temporal) would be left running, and a
 * service's listeners would close unflushed. With it, a signal during start-up stops what has started.
 */
export function stopOnSignals(stop: () => Promise<void>, message?: string): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    if (message) console.log(message);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** What a start cut short by a signal ends with (the caller stops quietly: the signal handler exits). */
export class StartInterrupted extends Error {
  constructor(what: string) {
    super(`${what}: start interrupted`);
  }
}
