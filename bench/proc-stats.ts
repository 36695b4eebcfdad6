/** CPU and RSS of processes from /proc (Linux): utime+stime of /proc/<pid>/stat, VmRSS of /proc/<pid>/status. */
import fs from 'node:fs';
import os from 'node:os';

const CLK_TCK = 100; // USER_HZ: 100 on every Linux the project runs on (`getconf CLK_TCK`)

export interface ProcSample {
  cpuSeconds: number;
  rssMb: number;
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at index 2 (state).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: (utime + stime) / CLK_TCK, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

export interface ResourceStats {
  /** Mean CPU over the sampled window, percent of one core (200 = both cores of a 2-core machine). */
  cpuPctMean: number;
  cpuPctMax: number;
  rssMbMean: number;
  rssMbMax: number;
  /** CPU time used over the sampled window (all threads). */
  cpuSeconds: number;
  samples: number;
}

/** The processes of one name: fixed pids, or looked up at each sample (a server that forks per connection). */
export type PidSource = number[] | (() => number[]);

/** A process and its live children (PostgreSQL: the postmaster and one backend per connection). */
export function withChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [pid, ...children];
}

/** Samples a set of named processes every `everyMs` until `stop()`. */
export class ResourceSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly series = new Map<string, { t: number; s: ProcSample }[]>();

  constructor(
    private readonly pids: Record<string, PidSource>,
    everyMs = 1000,
  ) {
    this.tick();
    this.timer = setInterval(() => this.tick(), everyMs);
  }

  private tick(): void {
    const t = Date.now();
    for (const [name, source] of Object.entries(this.pids)) {
      const pids = typeof source === 'function' ? source() : source;
      const samples = pids.map(sampleProc).filter((s): s is ProcSample => s !== null);
      if (!samples.length) continue;
      const sum = {
        cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0),
        rssMb: samples.reduce((a, s) => a + s.rssMb, 0),
      };
      const list = this.series.get(name) ?? [];
      list.push({ t, s: sum });
      this.series.set(name, list);
    }
  }

  stop(): Record<string, ResourceStats> {
    clearInterval(this.timer);
    this.tick();
    const out: Record<string, ResourceStats> = {};
    for (const [name, list] of this.series) {
      const pcts: number[] = [];
      for (let i = 1; i < list.length; i++) {
        const dt = (list[i].t - list[i - 1].t) / 1000;
        if (dt > 0.2) pcts.push(((list[i].s.cpuSeconds - list[i - 1].s.cpuSeconds) / dt) * 100);
      }
      const first = list[0];
      const last = list[list.length - 1];
      const wall = (last.t - first.t) / 1000;
      out[name] = {
        cpuPctMean: round(wall > 0 ? ((last.s.cpuSeconds - first.s.cpuSeconds) / wall) * 100 : 0),
        cpuPctMax: round(pcts.length ? Math.max(...pcts) : 0),
        rssMbMean: round(list.reduce((a, x) => a + x.s.rssMb, 0) / list.length),
        rssMbMax: round(Math.max(...list.map((x) => x.s.rssMb))),
        cpuSeconds: round(last.s.cpuSeconds - first.s.cpuSeconds, 2),
        samples: list.length,
      };
    }
    return out;
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalMb: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memTotalMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** The 1/5/15-minute load averages. */
export function loadAverage(): number[] {
  return os.loadavg().map((v) => round(v, 2));
}
