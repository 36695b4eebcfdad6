/** The data lake alone, as a real platform process (`platform/main.ts`) on a fresh data directory. */
import { startService, type ServiceProcess } from '../../scripts/service-process';

export const BENCH_TOKEN = 'lake-bench';

export interface LakeProcess {
  url: string;
  proc: ServiceProcess;
}

export async function startLake(dataDir: string): Promise<LakeProcess> {
  const proc = await startService({
    name: 'datalake',
    entry: 'platform/main.ts',
    env: {
      PLATFORM_HOST: '127.0.0.1',
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_SERVICES: 'datalake',
      DATALAKE_PORT: '0',
      GATEWAY_TOKEN: BENCH_TOKEN,
      LOG_LEVEL: 'warn',
    },
    readyLine: 'PLATFORM_READY',
  });
  const { datalakeUrl } = JSON.parse(proc.readyPayload) as { datalakeUrl: string };
  return { url: datalakeUrl, proc };
}
