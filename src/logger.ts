/**
 * One pino logger for the process. Redaction is the last line of defence: code never logs
 * secrets or personal data on purpose, and these paths catch the usual places they hide.
 */
import { pino, type Logger } from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.email',
  'password',
  'token',
  'email',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } });
}

type LoggedRequest = { method?: string; url?: string; host?: string; ip?: string };

/**
 * What a log line says about a request: the path, never the query string. Queries carry
 * secrets that no header redaction sees (Meta's webhook handshake sends the verify token as
 * `hub.verify_token`) and personal data (the audit filter `?actor=<email>`); parameter names
 * are kept so the line still says which form of the request it was.
 * @example requestLogFields({ method: 'GET', url: '/w?hub.verify_token=s' }).url // '/w?hub.verify_token'
 */
export function requestLogFields(request: LoggedRequest): LoggedRequest & { remoteAddress?: string } {
  const url = request.url ?? '';
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  const names = at < 0 ? [] : [...new Set(new URLSearchParams(url.slice(at + 1)).keys())];
  return {
    method: request.method,
    url: names.length > 0 ? `${path}?${names.join('&')}` : path,
    host: request.host,
    remoteAddress: request.ip,
  };
}

export type { Logger };
