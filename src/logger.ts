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

export type { Logger };
