/**
 * SMTP failures as the job queue needs them. Reply codes follow RFC 5321 4.2 and enhanced
 * status codes RFC 3463; providers throttle with 421/450/451/452 plus a 4.7.x code or words
 * such as "rate" or "too many" (Gmail `421-4.7.28`, Microsoft `452 4.5.3`), so those are
 * rate limits and every other 4xx is a passing outage.
 */
import { ChannelError } from '../channel-error.ts';

/** What nodemailer attaches to the errors it throws. */
type SmtpFailure = Error & { code?: string; responseCode?: number; response?: string; command?: string };

const connectionCodes = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const authCodes = new Set([530, 534, 535]);
const throttleWords = /\b(rate|too many|throttl|limit exceeded|slow down)/iu;

/** "try again in 5 minutes" / "in 30 seconds"; SMTP has no Retry-After, so a minute otherwise. */
export function retryAfterFromText(text: string): number {
  const m = /(\d+)\s*(second|sec|s\b|minute|min|hour)/iu.exec(text);
  if (!m) return 60;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return Math.max(1, unit.startsWith('h') ? n * 3600 : unit.startsWith('m') ? n * 60 : n);
}

export function classifySmtpFailure(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  const e = (error instanceof Error ? error : new Error(String(error))) as SmtpFailure;
  const reply = (e.response ?? e.message).trim();
  const status = e.responseCode;
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/u.exec(reply)?.[0];

  if (status === undefined || status < 400) {
    if (e.code === 'EAUTH')
      return new ChannelError('auth_expired', `The mail server refused the login: ${reply}`, {
        providerReason: reply,
        cause: error,
      });
    if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
      return new ChannelError('rejected', reply, { providerReason: reply, cause: error });
    const isConnection = e.code === undefined || connectionCodes.has(e.code);
    return new ChannelError(
      isConnection ? 'unavailable' : 'rejected',
      `Could not reach the mail server: ${reply}`,
      { providerReason: reply, cause: error },
    );
  }
  if (authCodes.has(status) || enhanced === '5.7.8' || enhanced === '4.7.8') {
    return new ChannelError('auth_expired', `The mail server refused the account's login: ${reply}`, {
      status,
      providerReason: reply,
      cause: error,
    });
  }
  if (status < 500) {
    const isThrottle =
      (enhanced?.startsWith('4.7.') ?? false) || enhanced === '4.5.3' || throttleWords.test(reply);
    if (isThrottle) {
      return new ChannelError('rate_limited', `The mail server asked us to slow down: ${reply}`, {
        status,
        providerReason: reply,
        retryAfterSeconds: retryAfterFromText(reply),
        cause: error,
      });
    }
    return new ChannelError(
      'unavailable',
      `The mail server is temporarily unavailable (${status}): ${reply}`,
      { status, providerReason: reply, cause: error },
    );
  }
  return new ChannelError('rejected', `The mail server refused the message: ${reply}`, {
    status,
    providerReason: reply,
    cause: error,
  });
}
