/**
 * Free TCP ports for servers started a moment later (tests, the benchmark, `npm start`'s free-port mode):
 * picked below the OS's ephemeral range (32768-60999 here) and checked bindable. A port from listen(0)
 * lies in that range, where an outgoing connection can take it before the server binds it (a benchmark run
 * and CI have each hit that); below it only servers bind.
 */
import net from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freeLowPorts(1, 20000, 32000, host);
  return port;
}

/** Several distinct free ports (as freePort). */
export function freePorts(n: number): Promise<number[]> {
  return freeLowPorts(n);
}

/** True when `port` can be bound on `host` right now. */
function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports in [lo, hi), by default below the OS's ephemeral range and within a 16-bit signed column
 * (Temporal's cluster membership table keeps ports as at most 32767).
 */
export async function freeLowPorts(n: number, lo = 20000, hi = 32000, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < n && tries < 10_000; tries++) {
    const p = lo + Math.floor(Math.random() * (hi - lo));
    if (!ports.has(p) && (await canBind(p, host))) ports.add(p);
  }
  if (ports.size < n) throw new Error(`no ${n} free ports between ${lo} and ${hi}`);
  return [...ports];
}

/**
 * A port p with p+1 free too, below the ephemeral range: a worker process's METRICS_PORT, whose SDK
 * exporter binds the next port. (A port from listen(0) is ephemeral, and its neighbour may be an outgoing
 * connection's by the time the worker binds it: CI hit that.)
 */
export async function freeMetricsPort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const [p] = await freeLowPorts(1, 20000, 31999, host);
    if (await canBind(p + 1, host)) return p;
  }
  throw new Error('no two adjacent free ports between 20000 and 32000');
}
