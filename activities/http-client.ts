/**
 * The one HTTP client of the worker (undici): bearer token, tenant and request id on every call, an
 * explicit timeout, and errors classified for Temporal's retry policy:
 *   network error, timeout, 5xx, 408, 429 → retryable ApplicationFailure (backoff, within the window);
 *   401, 403 → retryable too (a token to fix), counted through `onAuthRejected`;
 *   any other 4xx → non-retryable ApplicationFailure carrying the cell's own message.
 *
 * Built for the hot path: one pooled keep-alive dispatcher for the process, the base URL parsed and the
 * fixed headers built once per client, and nothing read from the environment per call (no proxy lookup).
 */
import { createHash } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { ApplicationFailure } from '@temporalio/common';
import { bounded } from '../common/bounded';
import { HTTP_ERROR_TYPES } from '../common/http-errors';
import { readAllPages, type ListPage } from '../common/paging';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface CallOptions {
  method: Method;
  /** Path below the base URL, e.g. `/api/v1/erp/orders`. */
  path: string;
  /** X-Tenant-ID; absent only for the bus itself, which serves every tenant. */
  tenantId?: string;
  /** X-Request-ID: the cell answers a repeat with its first result and changes nothing. */
  requestId?: string;
  body?: unknown;
  query?: Record<string, string | number>;
  /** Per-call override of the client's timeout (the bus long-poll waits longer); 0 waits for ever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Keep-alive: a linkage makes several calls to the same gateway within milliseconds. One pool per origin,
 * shared by every client of the process. The call's own deadline (below) bounds the whole exchange, queueing
 * included, so undici's per-phase timeouts are off.
 */
const dispatcher = new Agent({ connections: 256, headersTimeout: 0, bodyTimeout: 0 });

/** Why a call was aborted: its deadline passed, or its caller (an activity's cancellation) gave up. */
const TIMED_OUT = 'ECONNABORTED';
const CANCELED = 'ERR_CANCELED';

export class HttpClient {
  private readonly origin: string;
  /** The base URL's own path, without its trailing slash: calls' paths go below it. */
  private readonly basePath: string;
  private readonly headers: Record<string, string>;

  constructor(
    readonly baseUrl: string,
    token: string,
    private readonly timeoutMs: number,
    /** Called on every 401 / 403: a token to fix, counted by an alerting metric. */
    private readonly onAuthRejected?: () => void,
  ) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${token}` };
  }

  async call<T>(opts: CallOptions): Promise<T> {
    const method = opts.method.toUpperCase() as Method;
    // Paths carry ids from events: bounded in messages, so a huge id cannot flood a dead letter or a log.
    const what = `${method} ${bounded(opts.path, 300)}`;
    const headers: Record<string, string> = { ...this.headers };
    if (opts.tenantId) headers['x-tenant-id'] = opts.tenantId;
    if (opts.requestId) headers['x-request-id'] = boundedRequestId(opts.requestId);
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }

    const abort = new AbortController();
    let reason: string | undefined;
    const stop = (why: string) => {
      reason ??= why;
      abort.abort();
    };
    const onCallerAbort = () => stop(CANCELED);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const timer = timeoutMs > 0 ? setTimeout(stop, timeoutMs, TIMED_OUT) : undefined;
    if (opts.signal?.aborted) stop(CANCELED);
    else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });

    let status: number;
    let data: unknown;
    try {
      const res = await dispatcher.request({
        origin: this.origin,
        path: this.basePath + withQuery(opts.path, opts.query),
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: abort.signal,
      });
      status = res.statusCode;
      data = parseBody(await res.body.text());
    } catch (err) {
      const code = reason ?? errorCode(err);
      const kind = code === TIMED_OUT ? 'timed out' : `failed (${code})`;
      throw ApplicationFailure.retryable(`${what} ${kind}`, HTTP_ERROR_TYPES.retryable, { status: null, code });
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onCallerAbort);
    }

    if (status >= 200 && status < 300) return data as T;
    const message = `${what} answered ${status}: ${describeBody(data)}`;
    const details = { status, body: truncate(data) };
    if (status >= 500 || status === 408 || status === 429) {
      throw ApplicationFailure.retryable(message, HTTP_ERROR_TYPES.retryable, details);
    }
    // A refused token is configuration trouble, not a verdict on the document: retried within the window,
    // so a token rotation does not fail every run in flight.
    if (status === 401 || status === 403) {
      this.onAuthRejected?.();
      throw ApplicationFailure.retryable(message, HTTP_ERROR_TYPES.authRejected, details);
    }
    throw ApplicationFailure.nonRetryable(message, HTTP_ERROR_TYPES.rejected, details);
  }

  /** Every item of a paged list (GET `{items, nextCursor}`), following the cursor to the last page. */
  listAll<T>(opts: Omit<CallOptions, 'method' | 'body'>): Promise<T[]> {
    return readAllPages((page) =>
      this.call<ListPage<T>>({ ...opts, method: 'GET', query: { ...opts.query, ...page } }),
    );
  }
}

/** Cells accept request ids up to 200 characters (docs/platform.md); ours stay well under, however long the event id. */
export const MAX_REQUEST_ID = 128;

/**
 * A derived request id, bounded: short ones as they are (readable in the cells' logs), long ones as a
 * readable prefix plus a SHA-256 of the whole, so distinct ids stay distinct.
 */
export function boundedRequestId(id: string): string {
  if (id.length <= MAX_REQUEST_ID) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 40);
  return `${id.slice(0, MAX_REQUEST_ID - digest.length - 1)}~${digest}`;
}

/** The path with the query's defined values appended. */
function withQuery(path: string, query: CallOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.append(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/** JSON when the body is JSON, else the text as it came ('' for none). */
function parseBody(text: string): unknown {
  if (!text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The system's code of a failed exchange (ECONNREFUSED, ...): undici's socket errors carry its own. */
function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; message?: string };
  if (typeof e.cause?.code === 'string') return e.cause.code;
  if (e.code === 'UND_ERR_SOCKET') return 'ECONNRESET';
  if (typeof e.code === 'string') return e.code;
  return e.message ?? String(err);
}

/** The cell's own message, with the failing fields when it names them. */
function describeBody(body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) {
    const err = (body as { error: { message?: string; fields?: { field: string; message: string }[] } }).error;
    const fields = err.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    return [err.message, fields].filter(Boolean).join(' — ') || JSON.stringify(body).slice(0, 500);
  }
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body ?? null).slice(0, 500);
}

function truncate(body: unknown): unknown {
  const s = JSON.stringify(body ?? null);
  return s.length > 4000 ? `${s.slice(0, 4000)}…` : body;
}
