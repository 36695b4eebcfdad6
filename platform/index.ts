/**
 * Programmatic start of the reference platform. Cells start first so the gateway knows their real URLs
 * when ports are ephemeral; the cells' outboxes start last, once the bus URL is known.
 */
import { createLogger } from '../common/logger';
import { createCrm } from './cells/crm';
import { createErp } from './cells/erp';
import { createOa } from './cells/oa';
import { createSrm } from './cells/srm';
import { createDatalake } from './datalake/app';
import { createGateway } from './gateway/app';
import type { CellApp, CellOptions } from './shared/cell';
import {
  CELLS,
  DEFAULT_PORTS,
  SERVICES,
  tokenMapOf,
  type Cell,
  type PlatformOptions,
  type Service,
} from './shared/config';
import { routeTable, type RouteEntry } from './shared/access';
import { listen } from './shared/server';

export type { PlatformOptions, Service, Cell } from './shared/config';
export type { TokenConfig, Role } from './shared/auth';
export type { Access, RouteEntry } from './shared/access';
export { SERVICES, CELLS, optionsFromEnv } from './shared/config';

export interface RunningPlatform {
  gatewayUrl: string;
  datalakeUrl: string;
  /** Started services at their real URLs; services run elsewhere at the URL this process expects them. */
  urls: Record<Service, string>;
  /** The route table (method, url, access) of each service started here. */
  routes: Partial<Record<Service, readonly RouteEntry[]>>;
  stop(): Promise<void>;
}

const CELL_FACTORIES: Record<Cell, (o: CellOptions) => CellApp> = {
  crm: createCrm,
  erp: createErp,
  oa: createOa,
  srm: createSrm,
};

export async function startPlatform(opts: PlatformOptions): Promise<RunningPlatform> {
  const host = opts.host ?? '127.0.0.1';
  // Validated before anything listens; the cells' outbox publishes with the map's service (or admin) token.
  const tokens = tokenMapOf(opts);
  const token = tokens.internalToken;
  const services = new Set<Service>(opts.services ?? SERVICES);
  const logger = createLogger('platform');
  logger.level = opts.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const common = { dataDir: opts.dataDir, token, tokens, logger, faultsEnabled: opts.faultsEnabled };
  const portOf = (s: Service): number => opts.ports?.[s] ?? DEFAULT_PORTS[s];
  const expectedUrl = (s: Service): string => `http://${host}:${portOf(s)}`;

  const urls = {} as Record<Service, string>;
  const routes: Partial<Record<Service, readonly RouteEntry[]>> = {};
  const closers: Array<() => Promise<void>> = [];
  const cells: CellApp[] = [];
  const stop = async (): Promise<void> => {
    // Reverse start order: the gateway stops taking traffic before the cells behind it go away.
    for (const close of closers.splice(0).reverse()) {
      await close().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    }
  };

  try {
    for (const name of CELLS) {
      if (!services.has(name)) continue;
      const cell = CELL_FACTORIES[name](common);
      closers.push(() => cell.close());
      cells.push(cell);
      urls[name] = await listen(cell.app, host, portOf(name));
      routes[name] = routeTable(cell.app);
    }
    const cellUrls: Partial<Record<Cell, string>> = {};
    for (const name of CELLS) cellUrls[name] = opts.cellUrls?.[name] ?? urls[name] ?? expectedUrl(name);

    if (services.has('gateway')) {
      const gateway = createGateway({ ...common, cellUrls: () => cellUrls });
      closers.push(() => gateway.close());
      urls.gateway = await listen(gateway.app, host, portOf('gateway'));
      routes.gateway = routeTable(gateway.app);
    }
    const busUrl = opts.busUrl ?? urls.gateway ?? expectedUrl('gateway');
    for (const cell of cells) cell.outbox.start(busUrl);

    if (services.has('datalake')) {
      const lake = createDatalake({ ...common, duckdb: opts.datalake });
      closers.push(() => lake.close());
      urls.datalake = await listen(lake.app, host, portOf('datalake'));
      routes.datalake = routeTable(lake.app);
    }
    for (const name of CELLS) urls[name] ??= cellUrls[name]!;
    urls.gateway ??= busUrl;
    urls.datalake ??= expectedUrl('datalake');
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info({ urls, faultsEnabled: !!opts.faultsEnabled }, 'platform started');
  return { gatewayUrl: urls.gateway, datalakeUrl: urls.datalake, urls, routes, stop };
}
