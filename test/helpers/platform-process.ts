/**
 * Runs the reference platform as a child process (`node --import tsx platform/main.ts`) on fixed free ports, so a test
 * can stop, kill and restart it on the same ports and data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePorts } from './ports';

export type PlatformService = 'gateway' | 'crm' | 'erp' | 'oa' | 'srm' | 'datalake';
const ALL: PlatformService[] = ['gateway', 'crm', 'erp', 'oa', 'srm', 'datalake'];
const PORT_ENV: Record<PlatformService, string> = {
  gateway: 'GATEWAY_PORT',
  crm: 'CRM_PORT',
  erp: 'ERP_PORT',
  oa: 'OA_PORT',
  srm: 'SRM_PORT',
  datalake: 'DATALAKE_PORT',
};

export interface PlatformProcessOptions {
  dataDir: string;
  ports?: Partial<Record<PlatformService, number>>;
  /** Extra environment (e.g. PLATFORM_FAULTS=1, EVENT_BUS_URL, CELL_ERP_URL); wins over the defaults. */
  env?: Record<string, string>;
  services?: PlatformService[];
  readyTimeoutMs?: number;
}

export interface PlatformProcess {
  gatewayUrl: string;
  datalakeUrl: string;
  urls: Record<PlatformService, string>;
  token: string;
  ports: Record<PlatformService, number>;
  pid(): number | undefined;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, no waiting (a crash). */
  kill(): void;
  /** Starts again on the same ports and data directory (stopping first if still running). */
  restart(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

export async function startPlatformProcess(opts: PlatformProcessOptions): Promise<PlatformProcess> {
  const free = await freePorts(ALL.length);
  const ports = Object.fromEntries(ALL.map((s, i) => [s, opts.ports?.[s] ?? free[i]])) as Record<
    PlatformService,
    number
  >;
  const token = opts.env?.GATEWAY_TOKEN ?? opts.env?.EVENT_BUS_TOKEN ?? 'smoke-test';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PLATFORM_HOST: '127.0.0.1',
    PLATFORM_DATA_DIR: opts.dataDir,
    PLATFORM_SERVICES: (opts.services ?? ALL).join(','),
    GATEWAY_TOKEN: token,
    LOG_LEVEL: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    ...Object.fromEntries(ALL.map((s) => [PORT_ENV[s], String(ports[s])])),
    ...opts.env,
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = (): Promise<{ gatewayUrl: string; datalakeUrl: string; urls: Record<PlatformService, string> }> =>
    new Promise((resolve, reject) => {
      // `node --import tsx` rather than the tsx CLI: one process, so SIGKILL really kills the platform
      // (the CLI would die alone and leave its child holding the ports).
      const proc = spawn(process.execPath, ['--import', 'tsx', 'platform/main.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      exited = new Promise((r) => proc.once('exit', () => r()));
      let stdout = '';
      let stderr = '';
      let ready = false;
      const fail = (why: string): void => {
        if (ready) return;
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(
          new Error(
            `platform did not start (${why}); stderr:\n${stderr.slice(-4000)}\nstdout:\n${stdout.slice(-2000)}`,
          ),
        );
      };
      const timer = setTimeout(() => fail('timeout'), opts.readyTimeoutMs ?? 30_000);
      proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
      proc.stdout!.on('data', (c: Buffer) => {
        if (ready) return;
        stdout += c.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('PLATFORM_READY '));
        if (!line || !stdout.includes(`${line}\n`)) return;
        ready = true;
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('PLATFORM_READY '.length)));
      });
      proc.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
    });

  const info = await launch();
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return {
    ...info,
    token,
    ports,
    pid: () => child?.pid,
    stop,
    kill: () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async restart() {
      await stop();
      await launch();
    },
  };
}
