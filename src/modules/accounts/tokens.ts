/**
 * Random secrets for session cookies and API tokens. Only a SHA-256 of each is stored: a copy
 * of the database cannot be used to sign in. SHA-256 (not Argon2) is right here because the
 * secrets are 256 random bits, not guessable passwords.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** API tokens look like `ts_<43 chars>`; the prefix makes them recognisable to secret scanners. */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = `ts_${newSecret()}`;
  return { token, prefix: token.slice(0, 10), hash: digest(token) };
}
