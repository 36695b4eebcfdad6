/**
 * Platform configuration from the environment, validated with zod so a bad variable is named at start-up
 * instead of surfacing later as a confusing bind or fetch error.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DuckDbSizing } from '../datalake/duckdb';
import { createTokenMap, singleTokenConfig, TokenConfigSchema, type TokenConfig, type TokenMap } from './auth';

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
  /** The one admin token of today's default (used when `tokens` is not given). */
  token?: string;
  /** Tenant-bound tokens (docs/platform.md); default: `token` as the only, admin token. */
  tokens?: TokenConfig;
  faultsEnabled?: boolean;
  /** The data lake's DuckDB sizing (DATALAKE_THREADS, DATALAKE_MEMORY_LIMIT). */
  datalake?: DuckDbSizing;
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
  PLATFORM_TOKENS_FILE: z.string().min(1).optional(),
  PLATFORM_TOKENS: z.string().min(1).optional(),
  PLATFORM_ADMIN_TOKEN: z.string().min(1).max(1000).optional(),
  PLATFORM_DATA_DIR: z.string().min(1).default('.data/platform'),
  DATALAKE_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  DATALAKE_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/, 'a size such as 1GB or 512MiB')
    .optional(),
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

const configError = (lines: string[]): ConfigError =>
  new ConfigError(`invalid platform configuration:\n  ${lines.join('\n  ')}`);

/** Issue lines of a zod error, each prefixed by the variable; zod's messages never echo a string value. */
const issueLines = (variable: string, error: z.ZodError): string[] =>
  error.issues.map((i) => `${variable}: ${i.path.join('.') || '(value)'}: ${i.message}`);

type Env = z.infer<typeof EnvSchema>;

/**
 * The token map from PLATFORM_TOKENS_FILE or PLATFORM_TOKENS (plus PLATFORM_ADMIN_TOKEN); without either,
 * today's single admin token. Messages name the variable and the entry, never a token value (JSON.parse's
 * message quotes the input, so it is not passed on).
 */
function tokensFromEnv(e: Env): { tokens: TokenConfig; errors: string[] } {
  const fallback = singleTokenConfig(e.GATEWAY_TOKEN ?? e.EVENT_BUS_TOKEN ?? 'smoke-test');
  if (e.PLATFORM_TOKENS_FILE && e.PLATFORM_TOKENS) {
    return { tokens: fallback, errors: ['PLATFORM_TOKENS_FILE, PLATFORM_TOKENS: set one of them, not both'] };
  }
  let tokens = fallback;
  const variable = e.PLATFORM_TOKENS_FILE ? 'PLATFORM_TOKENS_FILE' : 'PLATFORM_TOKENS';
  let text = e.PLATFORM_TOKENS;
  if (e.PLATFORM_TOKENS_FILE) {
    try {
      text = readFileSync(e.PLATFORM_TOKENS_FILE, 'utf8');
    } catch (err) {
      return {
        tokens,
        errors: [`${variable}: cannot read ${e.PLATFORM_TOKENS_FILE} (${(err as NodeJS.ErrnoException).code})`],
      };
    }
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { tokens, errors: [`${variable}: not valid JSON`] };
    }
    const parsed = TokenConfigSchema.safeParse(json);
    if (!parsed.success) return { tokens, errors: issueLines(variable, parsed.error) };
    tokens = parsed.data;
  }
  const admin = e.PLATFORM_ADMIN_TOKEN;
  if (admin && !tokens.tokens.some((t) => t.token === admin && t.role === 'admin')) {
    if (tokens.tokens.some((t) => t.token === admin)) {
      return { tokens, errors: [`PLATFORM_ADMIN_TOKEN: the same token has another role in ${variable}`] };
    }
    tokens = { tokens: [...tokens.tokens, { token: admin, role: 'admin', name: 'PLATFORM_ADMIN_TOKEN' }] };
  }
  try {
    createTokenMap(tokens);
  } catch (err) {
    return { tokens, errors: err instanceof z.ZodError ? issueLines(variable, err) : [`${variable}: ${String(err)}`] };
  }
  return { tokens, errors: [] };
}

/** The token map of programmatic options; ConfigError when `tokens` is invalid. */
export function tokenMapOf(opts: Pick<PlatformOptions, 'token' | 'tokens'>): TokenMap {
  try {
    return createTokenMap(opts.tokens ?? singleTokenConfig(opts.token ?? 'smoke-test'));
  } catch (err) {
    if (err instanceof z.ZodError) throw configError(issueLines('tokens', err));
    throw err;
  }
}

/** Reads the environment; throws ConfigError naming every bad variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PlatformOptions {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw configError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const { tokens, errors } = tokensFromEnv(e);
  if (errors.length) throw configError(errors);
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
    datalake: {
      ...(e.DATALAKE_THREADS ? { threads: e.DATALAKE_THREADS } : {}),
      ...(e.DATALAKE_MEMORY_LIMIT ? { memoryLimit: e.DATALAKE_MEMORY_LIMIT } : {}),
    },
    token: e.GATEWAY_TOKEN ?? e.EVENT_BUS_TOKEN ?? 'smoke-test',
    tokens,
    faultsEnabled: e.PLATFORM_FAULTS === '1' || e.PLATFORM_FAULTS === 'true',
    services: [...new Set(e.PLATFORM_SERVICES)],
    cellUrls,
    busUrl: e.EVENT_BUS_URL,
    logLevel: e.LOG_LEVEL,
  };
}
