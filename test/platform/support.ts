/** In-process platform on ephemeral ports plus a tiny HTTP client for the platform tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlatform, type PlatformOptions, type RunningPlatform } from '../../platform';

export const TOKEN = 'test-token';

export interface Res<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Sent verbatim instead of JSON.stringify(body). */
  raw?: string;
  tenant?: string;
  requestId?: string;
  /** null = no Authorization header. */
  token?: string | null;
}

/**
 * The fields the tests read from platform answers. Declared (not `any`) so a typo fails type-checking;
 * each answer only has the fields of its own kind.
 */
export interface Json {
  [key: string]: unknown;
  id: string;
  tenantId: string;
  status: number;
  items: Json[];
  events: Json[];
  nextAfter: number;
  seq: number;
  eventId: string;
  eventType: string;
  duplicate?: boolean;
  payload: Record<string, unknown>;
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

export async function call<T = Json>(url: string, opts: CallOptions = {}): Promise<Res<T>> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.tenant) headers['x-tenant-id'] = opts.tenant;
  if (opts.requestId) headers['x-request-id'] = opts.requestId;
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: opts.method ?? (payload === undefined ? 'GET' : 'POST'),
    headers,
    body: payload,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* non-JSON answers stay text */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export function tempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `platform-${name}-`));
}

export interface TestPlatform extends RunningPlatform {
  dataDir: string;
  /** `${gatewayUrl}/api/v1/<cell>` */
  cell(name: 'crm' | 'erp' | 'oa' | 'srm'): string;
  cleanup(): Promise<void>;
}

const EPHEMERAL = { gateway: 0, crm: 0, erp: 0, oa: 0, srm: 0, datalake: 0 };

export async function startTestPlatform(opts: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const dataDir = opts.dataDir ?? tempDir('test');
  const p = await startPlatform({ token: TOKEN, logLevel: 'silent', ports: EPHEMERAL, ...opts, dataDir });
  return {
    ...p,
    dataDir,
    cell: (name) => `${p.gatewayUrl}/api/v1/${name}`,
    async cleanup() {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Events on the bus so far (optionally of one type and tenant). */
export async function busEvents(gatewayUrl: string, type?: string, tenantId?: string): Promise<Json[]> {
  const q = tenantId ? `&tenantId=${encodeURIComponent(tenantId)}` : '';
  const res = await call<Json>(`${gatewayUrl}/api/events?after=0&limit=1000${q}`);
  return (res.body.events as Json[]).filter((e) => !type || e.eventType === type);
}

/** Polls until `fn` returns a truthy value (outbox delivery is asynchronous, but fast). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the bus to hold exactly `count` events of `type` for `tenantId`, and returns them. */
export async function waitForEvents(gatewayUrl: string, type: string, tenantId: string, count = 1): Promise<Json[]> {
  const events = await eventually(async () => {
    const found = await busEvents(gatewayUrl, type, tenantId);
    return found.length >= count && found;
  });
  // Give a stray duplicate the chance to show up before asserting the exact count.
  await new Promise((r) => setTimeout(r, 50));
  const again = await busEvents(gatewayUrl, type, tenantId);
  expect(again).toHaveLength(events.length);
  return again;
}

/** Envelope fields every cell event carries (docs/platform.md). */
export function expectEnvelope(e: Json, type: string, tenantId: string, source: string): void {
  expect(e).toEqual({
    seq: expect.any(Number),
    eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    eventType: type,
    tenantId,
    occurredAt: expect.any(String),
    source,
    payload: expect.any(Object),
  });
}
