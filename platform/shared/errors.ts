/**
 * One error shape for every service: `{error: {code, message, fields?}}`. Fastify's own errors (bad JSON,
 * body too large, unknown route) are mapped onto it so clients never see two formats.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { z, ZodError, ZodTypeAny } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldIssue[],
    /** More machine-readable facts for the caller, e.g. `currentStatus` of a refused transition. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what = 'resource'): HttpError => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);

export function fieldsOf(error: ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((i) => {
    const path = i.path.join('.');
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(body)';
    // .strict() reports unknown keys on the parent; name them so the caller sees which key is not allowed.
    if (i.code === 'unrecognized_keys') return { field: i.keys.join(','), message: i.message };
    return { field, message: i.message };
  });
}

export function validationError(error: ZodError, prefix?: string): HttpError {
  const fields = fieldsOf(error, prefix);
  return new HttpError(400, 'validation_error', `invalid ${fields.map((f) => f.field).join(', ')}`, fields);
}

/** The value checked against `schema`, or a 400 naming every failing field (below `prefix`). */
export function parse<S extends ZodTypeAny>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw validationError(parsed.error, prefix);
  return parsed.data;
}

export function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  const body: { code: string; message: string; fields?: FieldIssue[] } = {
    ...err.extra,
    code: err.code,
    message: err.message,
  };
  if (err.fields?.length) body.fields = err.fields;
  return reply.code(err.statusCode).type('application/json').send({ error: body });
}

function toHttpError(err: FastifyError | HttpError | Error): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as FastifyError;
  if (e.statusCode === 413) return new HttpError(413, 'payload_too_large', 'request body exceeds 1 MiB');
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    return new HttpError(400, 'invalid_json', 'malformed JSON body', [{ field: '(body)', message: err.message }]);
  }
  if (e.statusCode === 415) return new HttpError(415, 'unsupported_media_type', err.message);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return new HttpError(e.statusCode, 'bad_request', err.message);
  return new HttpError(500, 'internal', 'internal error');
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const httpErr = toHttpError(err);
    if (httpErr.statusCode >= 500) request.log.error({ err }, 'request failed');
    return sendError(reply, httpErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HttpError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
