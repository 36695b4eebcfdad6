/**
 * The one HTTP client of the worker (axios): bearer token, tenant and request id on every call, an
 * explicit timeout, and errors classified for Temporal's retry policy:
 *   network error, timeout, 5xx, 408, 429 → retryable ApplicationFailure (backoff, within the window);
 *   401, 403 → retryable too (a token to fix), counted through `onAuthRejected`;
 *   any other 4xx → non-retryable ApplicationFailure carrying the cell's own message.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type Method } from 'axios';
import { ApplicationFailure } from '@temporalio/common';
import { bounded } from '../common/bounded';
import { HTTP_ERROR_TYPES } from '../common/http-errors';
import { readAllPages, type ListPage } from '../common/paging';

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
  /** Per-call override of the client's timeout (the bus long-poll waits longer). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Keep-alive: a linkage makes several calls to the same gateway within milliseconds.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

export class HttpClient {
  private readonly axios: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    token: string,
    timeoutMs: number,
    /** Called on every 401 / 403: a token to fix, counted by an alerting metric. */
    private readonly onAuthRejected?: () => void,
  ) {
    this.axios = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      httpAgent,
      httpsAgent,
      // Every status is classified below, not thrown by axios.
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  async call<T>(opts: CallOptions): Promise<T> {
    const headers: Record<string, string> = {};
    if (opts.tenantId) headers['X-Tenant-ID'] = opts.tenantId;
    if (opts.requestId) headers['X-Request-ID'] = boundedRequestId(opts.requestId);
    // Paths carry ids from events: bounded in messages, so a huge id cannot flood a dead letter or a log.
    const what = `${opts.method.toUpperCase()} ${bounded(opts.path, 300)}`;
    let res;
    try {
      res = await this.axios.request({
        method: opts.method,
        url: opts.path,
        data: opts.body,
        params: opts.query,
        headers,
        timeout: opts.timeoutMs,
        signal: opts.signal,
      });
    } catch (err) {
      const e = err as AxiosError;
      const kind =
        e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'timed out' : `failed (${e.code ?? e.message})`;
      throw ApplicationFailure.retryable(`${what} ${kind}`, HTTP_ERROR_TYPES.retryable, {
        status: null,
        code: e.code ?? null,
      });
    }
    if (res.status >= 200 && res.status < 300) return res.data as T;
    const message = `${what} answered ${res.status}: ${describeBody(res.data)}`;
    const details = { status: res.status, body: truncate(res.data) };
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      throw ApplicationFailure.retryable(message, HTTP_ERROR_TYPES.retryable, details);
    }
    // A refused token is configuration trouble, not a verdict on the document: retried within the window,
    // so a token rotation does not fail every run in flight.
    if (res.status === 401 || res.status === 403) {
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
