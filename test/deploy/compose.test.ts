/**
 * Issue 5 (B), item 1: docker-compose.temporal.yml, parsed (no Docker engine here). It must name the
 * Temporal server, PostgreSQL, the Web UI, the admin tools and the worker; point the worker at the
 * server; register every search attribute of common/search-attributes.ts with its type (so the two
 * cannot drift); and let the worker scale out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

const ROOT = path.resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  command?: string | string[];
  entrypoint?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { published?: string | number })[];
  container_name?: string;
  healthcheck?: { test?: string | string[] };
  deploy?: { replicas?: number };
  volumes?: (string | { source?: string; target?: string })[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.temporal.yml'), 'utf8'), {
  merge: true,
}) as Compose;
const services = compose.services;

/** Environment as a map, whichever of the two compose spellings is used. */
function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
const dependsOn = (s: Service): string[] =>
  Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});

/** The one service whose image starts with `prefix`. */
function byImage(prefix: string): [string, Service] {
  const found = Object.entries(services).filter(([, s]) => s.image?.startsWith(prefix));
  expect(found.map(([name]) => name)).toHaveLength(1);
  return found[0];
}

describe('docker-compose.temporal.yml', () => {
  it('names the Temporal server, PostgreSQL, the Web UI, the admin tools and the linkage worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['temporal', 'postgresql', 'temporal-ui', 'temporal-admin-tools', 'linkage-worker']),
    );
    expect(services.postgresql.image).toMatch(/^postgres:16/);
    expect(services.temporal.image).toMatch(/^temporalio\/(auto-setup|server):/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-admin-tools'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(services['linkage-worker'].build).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
  });

  it('runs Temporal on PostgreSQL, with its data on a volume', () => {
    const [pgName, pg] = byImage('postgres:');
    const env = envOf(services.temporal);
    expect(env).toMatchObject({ DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: pgName });
    expect(env.POSTGRES_USER).toBeTruthy();
    expect(env.POSTGRES_PWD).toBeTruthy();
    expect(dependsOn(services.temporal)).toContain(pgName);
    const volumes = (pg.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    const named = volumes.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(named).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(named!.split(':')[0]);
  });

  it('points the Web UI and the worker at the server, and gives both a health-gated start', () => {
    expect(envOf(services['temporal-ui']).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services['temporal-ui'].ports?.map(String)).toContain('8080:8080');

    const worker = services['linkage-worker'];
    const env = envOf(worker);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    for (const name of ['GATEWAY_URL', 'DATALAKE_URL', 'GATEWAY_TOKEN', 'EVENT_BUS_TOKEN']) {
      expect(env).toHaveProperty(name);
    }
    // Tokens come from the operator's environment, never from the file.
    expect(env.GATEWAY_TOKEN).toMatch(/^\$\{GATEWAY_TOKEN[:}-]/);
    expect(env.EVENT_BUS_TOKEN).toMatch(/^\$\{EVENT_BUS_TOKEN[:}-]/);
    expect(worker.depends_on).toMatchObject({
      temporal: { condition: 'service_healthy' },
      'temporal-admin-tools': { condition: 'service_completed_successfully' },
    });
    expect(services.temporal.healthcheck?.test).toBeDefined();
    expect(worker.healthcheck?.test).toBeDefined();
  });

  it('registers every search attribute of common/search-attributes.ts with its type', () => {
    const admin = services['temporal-admin-tools'];
    expect(envOf(admin).TEMPORAL_ADDRESS).toBe('temporal:7233');
    const script = `${text(admin.entrypoint)} ${text(admin.command)}`;
    const registered = new Map(
      [...script.matchAll(/temporal operator search-attribute create --name (\w+) --type (\w+)/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
    const expected = new Map(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, cliType[k.type]]));
    expect(Object.fromEntries(registered)).toEqual(Object.fromEntries(expected));
    expect(expected.size).toBe(5);
  });

  it('lets the worker scale out: replicas ≥ 2, no container_name, no host port', () => {
    const worker = services['linkage-worker'];
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
  });
});
