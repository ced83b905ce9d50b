/**
 * RFC 9457 problem details for the JSON API. `type` URIs are stable identifiers documented
 * in the OpenAPI document; `detail` says what went wrong in plain English.
 */
import type { FastifyReply } from 'fastify';

export type Problem = {
  status: number;
  title: string;
  detail?: string;
  type?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
};

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function problem(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: 'about:blank',
    title: titles[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p);
}
