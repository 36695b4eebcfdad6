/**
 * The gateway's admin calls that operators' commands make (ops/commands/dlq.ts): the dead-letter queue
 * (`/api/admin/events/dlq`, docs/platform.md), on the gateway's own JSON contract; and `waitFor`, the
 * commands' polling. The demo's and the tests' platform client (scripts/lib/platform-client.ts) extends it.
 */

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface CallInit {
  tenant?: string;
  body?: unknown;
  requestId?: string;
  token?: string | null;
}

export type Rec = Record<string, unknown> & { id: string };

export interface DeadLetterPage {
  items: Rec[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export class GatewayAdmin {
  constructor(
    readonly gatewayUrl: string,
    readonly token = 'smoke-test',
  ) {}

  async call<T = Record<string, unknown>>(method: string, url: string, init: CallInit = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? this.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.tenant) headers['x-tenant-id'] = init.tenant;
    if (init.requestId) headers['x-request-id'] = init.requestId;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const full = url.startsWith('http') ? url : `${this.gatewayUrl}${url}`;
    const res = await fetch(full, {
      method,
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T };
  }

  /** A call that must succeed: throws with the answer otherwise. */
  async ok<T = Rec>(method: string, url: string, init: CallInit = {}): Promise<T> {
    const res = await this.call<T>(method, url, init);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /**
   * Dead letters matching `query` (e.g. `?tenantId=t`), newest first. Without `limit` or `cursor` in the
   * query it follows `nextCursor` to the end, so it answers every matching letter.
   */
  async deadLetters(query = ''): Promise<Rec[]> {
    const params = new URLSearchParams(query.replace(/^\?/, ''));
    if (params.has('limit') || params.has('cursor')) return (await this.deadLetterPage(query)).items;
    return (await this.deadLettersUpTo(params)).letters;
  }
  /** Letters matching `params`, newest first, following the cursor until `limit` letters or the end. */
  async deadLettersUpTo(params: URLSearchParams, limit?: number): Promise<{ letters: Rec[]; more: boolean }> {
    const q = new URLSearchParams(params);
    const letters: Rec[] = [];
    for (;;) {
      q.set('limit', String(limit === undefined ? 1000 : Math.min(1000, limit - letters.length)));
      const page = await this.deadLetterPage(`?${q}`);
      letters.push(...page.items);
      if (!page.nextCursor) return { letters, more: false };
      if (limit !== undefined && letters.length >= limit) return { letters, more: true };
      q.set('cursor', page.nextCursor);
    }
  }
  /** One page of `GET /api/admin/events/dlq` (limit, cursor, status, tenantId, eventType, eventId, workflowId). */
  deadLetterPage(query = ''): Promise<DeadLetterPage> {
    return this.ok<DeadLetterPage>('GET', `/api/admin/events/dlq${query}`);
  }
  /** One letter; 404 when there is none. */
  deadLetter(id: string): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('GET', `/api/admin/events/dlq/${encodeURIComponent(id)}`);
  }
  /** 200 the resolved letter; 409 (with the resolution in force) when it already is; 404 unknown. */
  resolveDeadLetter(id: string, resolution: { by: string; note: string }): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('POST', `/api/admin/events/dlq/${encodeURIComponent(id)}/resolve`, { body: resolution });
  }
  /** Records a redrive (the run retried by an operator): `redriveCount`, `redrivenAt`, `redrivenBy`, `redriveRunId`. */
  markDeadLetterRedriven(id: string, redrive: { by: string; newRunId?: string }): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('POST', `/api/admin/events/dlq/${encodeURIComponent(id)}/redriven`, { body: redrive });
  }
}

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
