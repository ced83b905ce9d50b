/**
 * Every provider failure, classified at the edge into the few kinds the job queue acts on:
 * - auth_expired: hold the work, flag the account to its owners, wait for reconnection;
 * - rate_limited: retry after `retryAfterSeconds`;
 * - rejected: the provider refused this content; retrying will not help; show the reason;
 * - unavailable: network or 5xx; retry with backoff.
 */
export type ChannelErrorKind = 'auth_expired' | 'rate_limited' | 'rejected' | 'unavailable';

export class ChannelError extends Error {
  readonly kind: ChannelErrorKind;
  readonly retryAfterSeconds: number | undefined;
  /** The provider's own words, for the officer. */
  readonly providerReason: string | undefined;
  readonly status: number | undefined;

  constructor(
    kind: ChannelErrorKind,
    message: string,
    opts: { retryAfterSeconds?: number; providerReason?: string; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ChannelError';
    this.kind = kind;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.providerReason = opts.providerReason;
    this.status = opts.status;
  }

  get isRetryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}

/** Retry-After is seconds or an HTTP date; anything else means "a minute". */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number {
  if (!value) return 60;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 60 : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The usual HTTP mapping; connectors refine it with the provider's own error codes.
 */
export function classifyHttpFailure(
  status: number,
  headers: { get(name: string): string | null },
  reason: string,
): ChannelError {
  if (status === 401)
    return new ChannelError('auth_expired', `The account's access was refused: ${reason}`, {
      status,
      providerReason: reason,
    });
  if (status === 429)
    return new ChannelError('rate_limited', `Rate limited: ${reason}`, {
      status,
      providerReason: reason,
      retryAfterSeconds: parseRetryAfter(headers.get('retry-after')),
    });
  if (status >= 500 || status === 408)
    return new ChannelError('unavailable', `The service is unavailable (${status})`, {
      status,
      providerReason: reason,
    });
  return new ChannelError('rejected', reason, { status, providerReason: reason });
}

/** A fetch that never resolved, or failed below HTTP, is `unavailable`. */
export function networkFailure(error: unknown): ChannelError {
  const message = error instanceof Error ? error.message : String(error);
  return new ChannelError('unavailable', `Could not reach the service: ${message}`, { cause: error });
}
