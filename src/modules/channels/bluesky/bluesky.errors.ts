/**
 * Bluesky failures classified at the edge. XRPC errors carry a name (`ExpiredToken`,
 * `RateLimitExceeded`, `InvalidRequest`...) beside the HTTP status; the name decides first,
 * because the PDS answers an expired access token with 400, not 401.
 */
import { XRPCError } from '@atproto/api';
import { ChannelError, networkFailure, parseRetryAfter } from '../channel-error.ts';

const authErrors = new Set([
  'ExpiredToken',
  'InvalidToken',
  'AuthRequired',
  'AuthenticationRequired',
  'AuthMissing',
  'AccountTakedown',
  'AccountDeactivated',
]);

/**
 * Seconds to wait: the PDS sends `ratelimit-reset` (epoch seconds, the IETF draft it follows);
 * proxies and load balancers send `Retry-After`.
 */
export function retryAfterFrom(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  now = Date.now(),
): number {
  const reset = Number(headers?.['ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - now / 1000));
  return Math.max(1, parseRetryAfter(headers?.['retry-after'], now));
}

export function classifyBlueskyError(error: unknown, doing: string): ChannelError {
  if (error instanceof ChannelError) return error;
  if (!(error instanceof XRPCError)) return networkFailure(error);
  const status: number = error.status;
  const reason = error.message || error.error;
  if (authErrors.has(error.error) || status === 401)
    return new ChannelError(
      'auth_expired',
      `Bluesky refused the account's session while ${doing}: ${reason}`,
      {
        status,
        providerReason: reason,
        cause: error,
      },
    );
  if (status === 429 || error.error === 'RateLimitExceeded')
    return new ChannelError('rate_limited', `Bluesky rate limit reached while ${doing}`, {
      status,
      providerReason: reason,
      retryAfterSeconds: retryAfterFrom(error.headers),
      cause: error,
    });
  // Status 1 and 2 are the client's own "no usable response" (connection refused, bad body).
  if (status >= 500 || status < 100 || status === 408)
    return new ChannelError('unavailable', `Bluesky is unavailable (${status}) while ${doing}`, {
      status,
      providerReason: reason,
      cause: error,
    });
  return new ChannelError('rejected', `Bluesky refused this while ${doing}: ${reason}`, {
    status,
    providerReason: reason,
    cause: error,
  });
}

/** The record is not there (getRecord's answer for a missing rkey). */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof XRPCError && (error.error === 'RecordNotFound' || error.status === 404);
}
