/**
 * Runs the reference platform as a child process (`node --import tsx platform/main.ts`) on fixed free ports, so a test
 * can stop, kill and restart it on the same ports and data directory.
 */
import { startService, type ServiceProcess } from '../../scripts/service-process';
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
  /** Every chunk of the child's stdout and stderr, across restarts (e.g. to scan all log lines). */
  onOutput?: (chunk: string) => void;
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
  let service: ServiceProcess | undefined;
  const launch = async (): Promise<{
    gatewayUrl: string;
    datalakeUrl: string;
    urls: Record<PlatformService, string>;
  }> => {
    service = await startService({
      name: 'platform',
      entry: 'platform/main.ts',
      env,
      readyLine: 'PLATFORM_READY',
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
      onOutput: opts.onOutput,
    });
    return JSON.parse(service.readyPayload);
  };

  const info = await launch();
  const stop = async (): Promise<void> => {
    await service?.stop();
  };
  return {
    ...info,
    token,
    ports,
    pid: () => service?.child.pid,
    stop,
    kill: () => {
      void service?.kill();
    },
    async restart() {
      await stop();
      await launch();
    },
  };
}
