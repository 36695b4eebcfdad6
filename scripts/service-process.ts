/**
 * Runs one of the project's services (platform, worker) as a child process: spawn it, wait until it
 * says it is ready, stop it gracefully (SIGTERM, then SIGKILL after a grace period) or kill it hard.
 * Used by the embedded stack, the demo, the tests and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { colorsWanted, logFormat } from '../common/logger';
import { ROOT } from './lib/paths';
import { StartInterrupted } from '../common/shutdown';

export interface ServiceOptions {
  name: string;
  /** A TypeScript entry point relative to the project root, run with tsx. */
  entry: string;
  args?: string[];
  /** Node's own flags (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Ready when a line of its stdout starts with this; otherwise when `readyUrl` answers 2xx. */
  readyLine?: string;
  readyUrl?: string;
  readyTimeoutMs?: number;
  /**
   * Forward the child's output to ours (the embedded stack), whole lines, without the `readyLine`
   * handshake, in the log format this process's stdout calls for (forwardedOutputEnv); tests keep the last
   * lines for errors.
   */
  inheritOutput?: boolean;
  /** Every chunk of the child's stdout and stderr, from its first byte (e.g. to scan all log lines). */
  onOutput?: (chunk: string) => void;
  /** Aborted (Ctrl-C during start-up): the wait ends and the child is stopped. */
  signal?: AbortSignal;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** The text after `readyLine`, e.g. the JSON the platform prints. */
  readyPayload: string;
  /** Last lines of output, for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A child in its own process group would outlive us: take it down when this process exits. */
export function killWithParent(child: ChildProcess): void {
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited (at once if it has). */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * What a child whose output we forward to our terminal is told: the log format this process chose from its
 * own stdout (a child writes into a pipe, so it cannot tell), with colours when that stdout is a colour
 * terminal. The caller's environment (LOG_FORMAT, NO_COLOR, FORCE_COLOR set explicitly) wins.
 */
export function forwardedOutputEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const format = logFormat(env);
  const color = format === 'pretty' && colorsWanted(env) && env.FORCE_COLOR === undefined;
  return { LOG_FORMAT: format, ...(color ? { FORCE_COLOR: '1' } : {}) };
}

export async function startService(opts: ServiceOptions): Promise<ServiceProcess> {
  // Interrupted before it started: nothing to spawn, nothing to stop.
  if (opts.signal?.aborted) throw new StartInterrupted(opts.name);
  // One process (node with tsx's loader), not the tsx wrapper: a SIGKILL must hit the service itself.
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, opts.entry), ...(opts.args ?? [])],
    {
      cwd: ROOT,
      env: { ...process.env, ...(opts.inheritOutput ? forwardedOutputEnv() : {}), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches only the parent, which stops services in order.
      detached: true,
    },
  );
  killWithParent(child);
  const lines: string[] = [];
  let readyPayload = '';
  let onReadyLine: (() => void) | null = null;
  const onLine = (line: string, stream: NodeJS.WriteStream) => {
    const handshake = Boolean(opts.readyLine && line.startsWith(opts.readyLine));
    // The handshake is for this process, not for the person reading the forwarded output.
    if (opts.inheritOutput && !handshake) stream.write(`${line}\n`);
    if (!line) return;
    lines.push(line);
    if (lines.length > 200) lines.shift();
    if (handshake && !readyPayload) {
      readyPayload = line.slice(opts.readyLine!.length).trim() || 'ready';
      onReadyLine?.();
    }
  };
  // Whole lines only: a chunk may end mid-line (the rest, or the last unterminated line, follows).
  const follow = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream) => {
    let partial = '';
    from.setEncoding('utf8');
    from.on('data', (chunk: string) => {
      opts.onOutput?.(chunk);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) onLine(line, to);
    });
    from.on('end', () => {
      if (partial) onLine(partial, to);
      partial = '';
    });
  };
  follow(child.stdout!, process.stdout);
  follow(child.stderr!, process.stderr);

  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const tail = () => lines.slice(-40).join('\n');

  const service: ServiceProcess = {
    name: opts.name,
    child,
    get readyPayload() {
      return readyPayload;
    },
    tail,
    exited,
    stop: (graceMs = 15_000) => stopChild(child, exited, graceMs),
    async kill() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const ready = new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${opts.name} not ready after ${timeoutMs} ms`)), timeoutMs);
    const finish = () => {
      clearTimeout(deadline);
      resolve();
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(deadline);
      reject(new Error(`${opts.name} exited before it was ready (code ${code}, signal ${signal})`));
    });
    const interrupted = () => {
      clearTimeout(deadline);
      reject(new StartInterrupted(opts.name));
    };
    if (opts.signal?.aborted) interrupted();
    opts.signal?.addEventListener('abort', interrupted, { once: true });
    if (opts.readyLine) {
      if (readyPayload) finish();
      else onReadyLine = finish;
    } else if (opts.readyUrl) {
      const url = opts.readyUrl;
      void (async () => {
        while (!done) {
          try {
            const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
            if (res.ok) return finish();
          } catch {
            // not listening yet
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
    } else finish();
  });
  try {
    await ready;
  } catch (err) {
    if (err instanceof StartInterrupted) {
      await service.stop();
      throw err;
    }
    await service.kill();
    throw new Error(`${(err as Error).message}\n--- ${opts.name} output (tail) ---\n${tail()}`);
  }
  return service;
}
