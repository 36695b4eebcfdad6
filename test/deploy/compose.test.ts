/**
 * docker-compose.temporal.yml, parsed (no Docker engine here). It must name the
 * Temporal server, PostgreSQL, the Web UI, the admin tools and the worker; point the worker at the
 * server; register every search attribute of common/search-attributes.ts with its type (so the two
 * cannot drift); and let the worker scale out.
 *
 * Nothing is published unauthenticated. No `ports:` entry binds beyond loopback, every service
 * is on the private network, the Web UI is loopback-only or behind OIDC; and the overlays of
 * docs/deploy/network-access.md (mTLS, workers on other hosts, UI OIDC) are parsed and held to the same rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';

const ROOT = path.resolve(__dirname, '../..');

/** A `ports:` entry: short syntax (`"[IP:][HOST:]CONTAINER[/PROTO]"`, or a bare number) or long syntax. */
type PortEntry = string | number | { target?: number | string; published?: string | number; host_ip?: string };
interface Volume {
  type?: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  command?: string | string[];
  entrypoint?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: PortEntry[];
  container_name?: string;
  healthcheck?: { test?: string | string[] };
  deploy?: { replicas?: number };
  volumes?: (string | Volume)[];
  networks?: string[] | Record<string, unknown>;
  network_mode?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: Record<
    string,
    { name?: string; driver?: string; external?: boolean; driver_opts?: Record<string, string> }
  >;
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.temporal.yml'), 'utf8'), {
  merge: true,
}) as Compose;
const services = compose.services;

/**
 * The host address a `ports:` entry binds: '' when it names none, which Docker reads as every interface
 * (0.0.0.0 and ::). `${VAR...}` and `[v6]` are single tokens, whatever colons they hold.
 */
function hostIp(entry: PortEntry): string {
  if (typeof entry === 'number') return '';
  if (typeof entry === 'object') return entry.host_ip ?? '';
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of entry.trim().replace(/\/(tcp|udp|sctp)$/i, '')) {
    if (ch === '{' || ch === '[') depth++;
    if (ch === '}' || ch === ']') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  // CONTAINER | HOST:CONTAINER | IP:HOST:CONTAINER (HOST may be empty: a random port on IP).
  return parts.length >= 3 ? parts[0].replace(/^\[(.*)\]$/, '$1') : '';
}

const isLoopback = (ip: string): boolean => /^127(\.\d{1,3}){3}$/.test(ip) || ip === '::1';
/** A host address that is an operator's required variable (`${X:?message}`): explicit, never defaulted. */
const isRequiredVariable = (ip: string): boolean => /^\$\{\w+:\?[^}]*\}$/.test(ip);

/** `service: entry` for each port that binds an address other than loopback, in the given services. */
function publishedBeyondLoopback(svcs: Record<string, Service>): string[] {
  return Object.entries(svcs).flatMap(([name, s]) =>
    (s.ports ?? []).filter((p) => !isLoopback(hostIp(p))).map((p) => `${name}: ${JSON.stringify(p)}`),
  );
}

/** The Web UI is guarded: every published port on loopback, or OIDC login configured. */
function uiGuarded(ui: Service): boolean {
  const env = envOf(ui);
  const oidc =
    env.TEMPORAL_AUTH_ENABLED === 'true' &&
    Boolean(env.TEMPORAL_AUTH_PROVIDER_URL) &&
    Boolean(env.TEMPORAL_AUTH_CLIENT_ID);
  return oidc || (ui.ports ?? []).every((p) => isLoopback(hostIp(p)));
}

const networksOf = (s: Service): string[] => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {}));

/** The compose overlays of docs/deploy/network-access.md: its yaml blocks whose first line names the file. */
const DEPLOY_MD = fs.readFileSync(path.join(ROOT, 'docs/deploy/network-access.md'), 'utf8');
const overlays: Record<string, Compose> = Object.fromEntries(
  [...DEPLOY_MD.matchAll(/```yaml\n# (docker-compose\.temporal\.[\w-]+\.yml)\b[^\n]*\n([\s\S]*?)```/g)].map((m) => [
    m[1],
    parse(m[2]) as Compose,
  ]),
);

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
    expect(services['temporal-ui'].ports?.map(String)).toContain('127.0.0.1:8080:8080');

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

  describe('nothing published unauthenticated', () => {
    it('reads the host address of every ports: spelling (the check below relies on it)', () => {
      // Every interface: no address, the wildcards, or a long-syntax entry without host_ip.
      for (const p of ['7233:7233', '7233', 7233, '8000-8010:8000-8010/tcp', '0.0.0.0:7233:7233', '[::]:80:80']) {
        expect(isLoopback(hostIp(p))).toBe(false);
      }
      expect(isLoopback(hostIp({ target: 7233, published: 7233 }))).toBe(false);
      expect(isLoopback(hostIp({ target: 7233, published: 7233, host_ip: '0.0.0.0' }))).toBe(false);
      expect(hostIp('10.0.4.17:7233:7233')).toBe('10.0.4.17');
      // Loopback, in each spelling.
      for (const p of ['127.0.0.1:7233:7233', '127.0.0.1::7233', '[::1]:8080:8080/tcp', '127.0.0.2:80:80/udp']) {
        expect(isLoopback(hostIp(p))).toBe(true);
      }
      expect(isLoopback(hostIp({ target: 8080, published: 8080, host_ip: '127.0.0.1' }))).toBe(true);
      expect(hostIp('${TEMPORAL_PRIVATE_IP:?host address}:7233:7233')).toBe('${TEMPORAL_PRIVATE_IP:?host address}');
      expect(isRequiredVariable('${TEMPORAL_PRIVATE_IP:?host address}')).toBe(true);
      expect(isRequiredVariable('${TEMPORAL_PRIVATE_IP:-0.0.0.0}')).toBe(false);
    });

    it('publishes no port beyond loopback: gRPC and the Web UI on 127.0.0.1, the rest not at all', () => {
      expect(publishedBeyondLoopback(services)).toEqual([]);
      expect(services.temporal.ports?.map(String)).toEqual(['127.0.0.1:7233:7233']);
      expect(services['temporal-ui'].ports?.map(String)).toEqual(['127.0.0.1:8080:8080']);
      for (const name of ['postgresql', 'temporal-admin-tools', 'linkage-worker']) {
        expect({ name, ports: services[name].ports }).toEqual({ name, ports: undefined });
      }
    });

    it('puts every service on the private network, none on the host network', () => {
      const net = compose.networks?.temporal;
      expect(net).toMatchObject({ name: 'paas-linkage-temporal', driver: 'bridge' });
      expect(net?.external).toBeFalsy();
      // Backstop: a port published later without an address binds loopback, not every interface.
      expect(net?.driver_opts?.['com.docker.network.bridge.host_binding_ipv4']).toBe('127.0.0.1');
      for (const [name, s] of Object.entries(services)) {
        expect({ name, networks: networksOf(s), network_mode: s.network_mode }).toEqual({
          name,
          networks: ['temporal'],
          network_mode: undefined,
        });
      }
    });

    it('keeps the Web UI loopback-only (it has no login of its own in this file)', () => {
      expect(uiGuarded(services['temporal-ui'])).toBe(true);
      // The rule itself: a UI on every interface passes only with OIDC on.
      const exposed: Service = { ...services['temporal-ui'], ports: ['8080:8080'] };
      expect(uiGuarded(exposed)).toBe(false);
      const withOidc: Service = {
        ...exposed,
        environment: {
          TEMPORAL_AUTH_ENABLED: 'true',
          TEMPORAL_AUTH_PROVIDER_URL: 'https://login.example.com',
          TEMPORAL_AUTH_CLIENT_ID: 'temporal-ui',
        },
      };
      expect(uiGuarded(withOidc)).toBe(true);
    });

    it('docs/deploy/network-access.md carries the three overlays, and none publishes a port on every interface', () => {
      expect(Object.keys(overlays).sort()).toEqual([
        'docker-compose.temporal.expose.yml',
        'docker-compose.temporal.mtls.yml',
        'docker-compose.temporal.ui-oidc.yml',
      ]);
      for (const o of Object.values(overlays)) {
        for (const name of Object.keys(o.services)) expect(Object.keys(services)).toContain(name);
        const beyond = Object.values(o.services).flatMap((s) => (s.ports ?? []).map(hostIp));
        expect(beyond.filter((ip) => !isLoopback(ip) && !isRequiredVariable(ip))).toEqual([]);
      }
    });

    it('mTLS overlay: client certificates required, every component with its own pair, mounted read-only', () => {
      const o = overlays['docker-compose.temporal.mtls.yml'].services;
      expect(Object.keys(o).sort()).toEqual(['linkage-worker', 'temporal', 'temporal-admin-tools', 'temporal-ui']);
      expect(envOf(o.temporal)).toMatchObject({
        TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
        TEMPORAL_TLS_FRONTEND_CERT: '/tls/server.pem',
        TEMPORAL_TLS_FRONTEND_KEY: '/tls/server.key',
        TEMPORAL_TLS_CLIENT1_CA_CERT: '/tls/ca.pem',
        TEMPORAL_TLS_CLIENT2_CA_CERT: '/tls/ca.pem',
        TEMPORAL_TLS_SERVER_CERT: '/tls/server.pem',
        TEMPORAL_TLS_SERVER_KEY: '/tls/server.key',
        TEMPORAL_TLS_SERVER_CA_CERT: '/tls/ca.pem',
        // The server's own CLI (auto-setup, the health check) is a client too.
        TEMPORAL_TLS_CA: '/tls/ca.pem',
        TEMPORAL_TLS_CERT: '/tls/server.pem',
        TEMPORAL_TLS_KEY: '/tls/server.key',
      });
      expect(envOf(o['temporal-admin-tools'])).toMatchObject({
        TEMPORAL_TLS_CA: '/tls/ca.pem',
        TEMPORAL_TLS_CERT: '/tls/admin.pem',
        TEMPORAL_TLS_KEY: '/tls/admin.key',
      });
      expect(envOf(o['temporal-ui'])).toMatchObject({
        TEMPORAL_TLS_CA: '/tls/ca.pem',
        TEMPORAL_TLS_CERT: '/tls/ui.pem',
        TEMPORAL_TLS_KEY: '/tls/ui.key',
        TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
      });
      const workerEnv = envOf(o['linkage-worker']);
      expect(workerEnv).toMatchObject({
        TEMPORAL_TLS_CA_PATH: '/tls/ca.pem',
        TEMPORAL_TLS_CERT_PATH: '/tls/worker.pem',
        TEMPORAL_TLS_KEY_PATH: '/tls/worker.key',
      });
      // …which are the variables the worker really reads.
      const configSource = fs.readFileSync(path.join(ROOT, 'common/config.ts'), 'utf8');
      for (const name of Object.keys(workerEnv)) expect(configSource).toContain(`${name}:`);
      // Every name the clients check the server against is in the server certificate the docs issue.
      for (const s of Object.values(o)) {
        const name = envOf(s).TEMPORAL_TLS_SERVER_NAME;
        expect(name).toBe('temporal');
      }
      expect(DEPLOY_MD).toContain("issue server temporal 'subjectAltName=DNS:temporal,");

      const keyHolders = new Map<string, string[]>();
      for (const [name, s] of Object.entries(o)) {
        const mounts = (s.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v } : v));
        // Long syntax, read-only: a missing file fails `up`, no container can rewrite a certificate.
        for (const m of mounts) expect({ name, ...m }).toMatchObject({ name, type: 'bind', read_only: true });
        // Each file a TLS variable names is mounted.
        const targets = mounts.map((m) => m.target);
        for (const [k, v] of Object.entries(envOf(s))) {
          if (v.startsWith('/tls/')) expect({ [k]: targets }).toEqual({ [k]: expect.arrayContaining([v]) });
        }
        for (const m of mounts) {
          if (m.source?.endsWith('.key')) keyHolders.set(m.source, [...(keyHolders.get(m.source) ?? []), name]);
        }
      }
      // One private key per container, each in one container only; the CA's key in none.
      expect([...keyHolders.values()].every((holders) => holders.length === 1)).toBe(true);
      expect(keyHolders.size).toBe(4);
      expect([...keyHolders.keys()].some((k) => k.endsWith('/ca.key'))).toBe(false);
    });

    it('exposure overlay: one explicit private address, never a default, and it fails closed without mTLS', () => {
      const t = overlays['docker-compose.temporal.expose.yml'].services.temporal;
      expect(t.ports).toHaveLength(1);
      const ip = hostIp(t.ports![0]);
      expect(isRequiredVariable(ip)).toBe(true);
      expect(envOf(t)).toMatchObject({
        TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
        TEMPORAL_TLS_FRONTEND_CERT: '/tls/server.pem',
        TEMPORAL_TLS_CLIENT1_CA_CERT: '/tls/ca.pem',
      });
    });

    it('UI OIDC overlay: login on, every setting and the secret from the environment', () => {
      const ui = overlays['docker-compose.temporal.ui-oidc.yml'].services['temporal-ui'];
      const env = envOf(ui);
      expect(env).toMatchObject({ TEMPORAL_AUTH_ENABLED: 'true', TEMPORAL_AUTH_TYPE: 'oidc' });
      for (const name of [
        'TEMPORAL_AUTH_PROVIDER_URL',
        'TEMPORAL_AUTH_CLIENT_ID',
        'TEMPORAL_AUTH_CLIENT_SECRET',
        'TEMPORAL_AUTH_CALLBACK_URL',
      ]) {
        expect({ [name]: env[name] }).toEqual({ [name]: expect.stringMatching(/^\$\{\w+:\?/) });
      }
      expect(env.TEMPORAL_AUTH_CALLBACK_URL).toMatch(/\/auth\/sso\/callback$/);
      expect(uiGuarded({ ...services['temporal-ui'], ...ui, ports: ['8080:8080'] })).toBe(true);
      // The overlay itself publishes nothing: the UI stays on loopback, behind the proxy.
      expect(ui.ports).toBeUndefined();
    });
  });
});
