/**
 * Platform configuration from the environment, validated with zod so a bad variable is named at start-up
 * instead of surfacing later as a confusing bind or fetch error.
 */
import { z } from 'zod';

export const SERVICES = ['gateway', 'crm', 'erp', 'oa', 'srm', 'datalake'] as const;
export type Service = (typeof SERVICES)[number];
export const CELLS = ['crm', 'erp', 'oa', 'srm'] as const;
export type Cell = (typeof CELLS)[number];

export function isCell(name: string): name is Cell {
  return (CELLS as readonly string[]).includes(name);
}

export interface PlatformOptions {
  host?: string;
  /** 0 = ephemeral port. */
  ports?: Partial<Record<Service, number>>;
  dataDir: string;
  token?: string;
  faultsEnabled?: boolean;
  services?: Service[];
  /** The gateway's upstreams; default: the cells started in the same process. */
  cellUrls?: Partial<Record<Cell, string>>;
  /** Where cells publish; default: the gateway started in the same process. */
  busUrl?: string;
  logLevel?: string;
}

export const DEFAULT_PORTS: Record<Service, number> = {
  gateway: 8000,
  crm: 8001,
  erp: 8002,
  oa: 8003,
  srm: 8004,
  datalake: 8006,
};

const port = z.coerce.number().int().min(0).max(65535);
const url = z.string().url();
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), url.optional());

const EnvSchema = z.object({
  PLATFORM_HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: port.default(DEFAULT_PORTS.gateway),
  CRM_PORT: port.default(DEFAULT_PORTS.crm),
  ERP_PORT: port.default(DEFAULT_PORTS.erp),
  OA_PORT: port.default(DEFAULT_PORTS.oa),
  SRM_PORT: port.default(DEFAULT_PORTS.srm),
  DATALAKE_PORT: port.default(DEFAULT_PORTS.datalake),
  GATEWAY_TOKEN: z.string().min(1).optional(),
  EVENT_BUS_TOKEN: z.string().min(1).optional(),
  PLATFORM_DATA_DIR: z.string().min(1).default('.data/platform'),
  CELL_CRM_URL: optionalUrl,
  CELL_ERP_URL: optionalUrl,
  CELL_OA_URL: optionalUrl,
  CELL_SRM_URL: optionalUrl,
  EVENT_BUS_URL: optionalUrl,
  PLATFORM_FAULTS: z.enum(['0', '1', 'true', 'false', '']).default('0'),
  PLATFORM_SERVICES: z
    .string()
    .default(SERVICES.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(SERVICES)).min(1, 'name at least one service')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export class ConfigError extends Error {}

/** Reads the environment; throws ConfigError naming every bad variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PlatformOptions {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid platform configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const cellUrls: Partial<Record<Cell, string>> = {};
  if (e.CELL_CRM_URL) cellUrls.crm = e.CELL_CRM_URL;
  if (e.CELL_ERP_URL) cellUrls.erp = e.CELL_ERP_URL;
  if (e.CELL_OA_URL) cellUrls.oa = e.CELL_OA_URL;
  if (e.CELL_SRM_URL) cellUrls.srm = e.CELL_SRM_URL;
  return {
    host: e.PLATFORM_HOST,
    ports: {
      gateway: e.GATEWAY_PORT,
      crm: e.CRM_PORT,
      erp: e.ERP_PORT,
      oa: e.OA_PORT,
      srm: e.SRM_PORT,
      datalake: e.DATALAKE_PORT,
    },
    dataDir: e.PLATFORM_DATA_DIR,
    token: e.GATEWAY_TOKEN ?? e.EVENT_BUS_TOKEN ?? 'smoke-test',
    faultsEnabled: e.PLATFORM_FAULTS === '1' || e.PLATFORM_FAULTS === 'true',
    services: [...new Set(e.PLATFORM_SERVICES)],
    cellUrls,
    busUrl: e.EVENT_BUS_URL,
    logLevel: e.LOG_LEVEL,
  };
}
