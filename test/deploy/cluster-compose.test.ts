/**
 * The cluster launcher (scripts/cluster/cluster.ts) and docker-compose.temporal.yml run the same
 * Temporal: server version, persistence plugin and schema, databases, shard count, dynamic config and
 * search attributes. Parsed, so it runs everywhere (no Docker engine here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CLUSTER_SETTINGS, DYNAMIC_CONFIG_FILE } from '../../scripts/cluster/cluster';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../scripts/dev-server';

const ROOT = path.resolve(__dirname, '../..');
interface Service {
  image?: string;
  environment?: Record<string, string | number>;
  volumes?: { type?: string; source?: string; target?: string }[];
  command?: string[];
}
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.temporal.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const temporal = compose.services.temporal;
const env = temporal.environment ?? {};
/** `${VAR:-default}` → default. */
const dflt = (v: string | number | undefined) => String(v ?? '').replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1');

describe('the cluster launcher and docker-compose.temporal.yml agree', () => {
  it('server version, persistence plugin and databases', () => {
    expect(dflt(temporal.image?.split(':').slice(1).join(':'))).toBe(CLUSTER_SETTINGS.serverVersion);
    // auto-setup's DB=postgres12 sets up the schema folders postgresql/v12/{temporal,visibility}.
    expect(env.DB).toBe('postgres12');
    expect(CLUSTER_SETTINGS.schema).toEqual({
      temporal: 'postgresql/v12/temporal',
      visibility: 'postgresql/v12/visibility',
    });
    expect([env.DBNAME, env.VISIBILITY_DBNAME]).toEqual([
      CLUSTER_SETTINGS.databases.temporal,
      CLUSTER_SETTINGS.databases.visibility,
    ]);
  });

  it('the shard count', () => {
    expect(Number(env.NUM_HISTORY_SHARDS)).toBe(CLUSTER_SETTINGS.numHistoryShards);
  });

  it('the dynamic config: the launcher’s file is the one mounted', () => {
    const mount = (temporal.volumes ?? []).find((v) => v.target?.endsWith(`/${env.DYNAMIC_CONFIG_FILE_PATH}`));
    expect(mount).toBeDefined();
    expect(path.resolve(ROOT, mount!.source!)).toBe(DYNAMIC_CONFIG_FILE);
    const config = parse(fs.readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, { value: unknown }[]>;
    expect(config['system.enableActivityEagerExecution']).toEqual([{ value: true }]);
    // Fair dispatch per tenant, as on the embedded dev server.
    expect(config['matching.enableFairness']).toEqual([
      { value: DEV_SERVER_DYNAMIC_CONFIG['matching.enableFairness'] === 'true' },
    ]);
  });

  it('the search attributes the admin tools register are the ones the launcher registers', () => {
    const script = (compose.services['temporal-admin-tools'].command ?? []).join('\n');
    const registered = [...script.matchAll(/create --name (\w+) --type (\w+)/g)].map((m) => `${m[1]}=${m[2]}`);
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
    expect(registered).toEqual(ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliType[k.type]}`));
  });
});
