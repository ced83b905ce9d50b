/**
 * Password hashing with Argon2id (OWASP's first choice) through @node-rs/argon2, an N-API
 * addon shipped prebuilt inside npm packages: no compiler at install time and no break when
 * the Node version changes.
 */
import { hash, verify } from '@node-rs/argon2';

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1 is the minimum for Argon2id.
// algorithm 2 is Algorithm.Argon2id; the package's const enum cannot be imported under
// verbatimModuleSyntax.
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/** A hash of nothing in particular, verified when the email is unknown so timing does not reveal it. */
export const decoyHash = hash('decoy-password-for-timing', options);

/** The reasons a new password is refused, in GOV.UK wording; empty when it is acceptable. */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < 12) problems.push('Password must be 12 characters or more');
  if (password.length > 256) problems.push('Password must be 256 characters or fewer');
  if (email && password.toLowerCase().includes(email.split('@')[0]!.toLowerCase()))
    problems.push('Password must not contain your email address');
  return problems;
}
