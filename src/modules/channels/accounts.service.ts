/**
 * Connected channel accounts: connect (credentials checked with the network, then sealed),
 * disconnect, health (last success, last error in plain English, token expiry, rate-limit
 * budget) and flagging an account whose access expired so nothing queued for it is dropped:
 * work for a `needs_reconnect` account waits until someone reconnects it.
 */
import { isUuid, withCouncil, type Db, type Tx } from '../../db/index.ts';
import { recordAudit, type Actor } from '../accounts/index.ts';
import { ChannelError } from './channel-error.ts';
import type { CredentialBox } from './credentials.ts';
import { channelKinds, type ChannelKind, type ChannelConnector, type AccountIdentity } from './port.ts';
import type { ConnectorRegistry, ConnectorServices } from './registry.ts';
import { databaseLedger } from './email/sent-ledger.ts';
import type { PublicMedia } from './public-media.ts';

/** Renews an account's OAuth credentials with the network; throws when it refuses. */
export type CredentialRefresher = (current: Record<string, string>) => Promise<Record<string, string>>;

export type ChannelAccount = {
  id: string;
  councilId: string;
  kind: ChannelKind;
  name: string;
  handle: string | null;
  settings: Record<string, string>;
  status: 'active' | 'needs_reconnect' | 'disconnected';
  tokenExpiresAt: Date | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  rateLimitRemaining: number | null;
  rateLimitResetAt: Date | null;
  createdAt: Date;
};

export class ChannelAccountError extends Error {
  constructor(
    readonly kind: 'validation' | 'not_found' | 'connection_failed',
    readonly fieldErrors: Partial<Record<string, string>> = {},
  ) {
    super(kind);
  }
}

type Row = {
  id: string;
  council_id: string;
  kind: string;
  name: string;
  handle: string | null;
  settings: unknown;
  status: string;
  token_expires_at: Date | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
  rate_limit_remaining: number | null;
  rate_limit_reset_at: Date | null;
  created_at: Date;
};

function toAccount(r: Row): ChannelAccount {
  return {
    id: r.id,
    councilId: r.council_id,
    kind: r.kind as ChannelKind,
    name: r.name,
    handle: r.handle,
    settings: (r.settings ?? {}) as Record<string, string>,
    status: r.status as ChannelAccount['status'],
    tokenExpiresAt: r.token_expires_at,
    lastSuccessAt: r.last_success_at,
    lastErrorAt: r.last_error_at,
    lastError: r.last_error,
    rateLimitRemaining: r.rate_limit_remaining,
    rateLimitResetAt: r.rate_limit_reset_at,
    createdAt: r.created_at,
  };
}

const publicColumns = [
  'id',
  'council_id',
  'kind',
  'name',
  'handle',
  'settings',
  'status',
  'token_expires_at',
  'last_success_at',
  'last_error_at',
  'last_error',
  'rate_limit_remaining',
  'rate_limit_reset_at',
  'created_at',
] as const;

/** What went wrong, for an officer: the kind in plain English plus the provider's reason. */
export function describeFailure(error: unknown): string {
  if (error instanceof ChannelError) {
    const reason = error.providerReason ? ` The network said: “${error.providerReason.slice(0, 300)}”` : '';
    switch (error.kind) {
      case 'auth_expired':
        return `The network no longer accepts this account's sign-in. Reconnect the account.${reason}`;
      case 'rate_limited':
        return `The network asked us to slow down; we will try again in ${error.retryAfterSeconds ?? 60} seconds.${reason}`;
      case 'rejected':
        return `The network refused the request.${reason}`;
      case 'unavailable':
        return `The network could not be reached; we will keep trying.${reason}`;
    }
  }
  return 'Something went wrong talking to the network; we will keep trying.';
}

export class ChannelAccountsService {
  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
    private readonly registry: ConnectorRegistry,
    private readonly extras: {
      publicMedia?: PublicMedia;
      refreshers?: Partial<Record<ChannelKind, CredentialRefresher>>;
    } = {},
  ) {}

  /** Seals a secret for a row that is not an account (an OAuth client secret, a sign-in in progress). */
  seal(value: unknown, associated: string): string {
    return this.box.seal(value, associated);
  }

  open<T>(sealed: string, associated: string): T {
    return this.box.open<T>(sealed, associated);
  }

  private associated(councilId: string, accountId: string): string {
    return `${councilId}/${accountId}`;
  }

  async list(councilId: string, opts: { includeDisconnected?: boolean } = {}): Promise<ChannelAccount[]> {
    return withCouncil(this.db, councilId, async (tx) => {
      let q = tx.selectFrom('channel_accounts').select(publicColumns).orderBy('kind').orderBy('name');
      if (!opts.includeDisconnected) q = q.where('status', '<>', 'disconnected');
      return (await q.execute()).map(toAccount);
    });
  }

  async get(councilId: string, accountId: string): Promise<ChannelAccount> {
    return withCouncil(this.db, councilId, async (tx) => toAccount(await this.findRow(tx, accountId)));
  }

  private async findRow(tx: Tx, accountId: string): Promise<Row> {
    if (!isUuid(accountId)) throw new ChannelAccountError('not_found');
    const row = await tx
      .selectFrom('channel_accounts')
      .select(publicColumns)
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw new ChannelAccountError('not_found');
    return row;
  }

  /**
   * Connects an account: the credentials are tried against the network first (an account
   * that cannot sign in is never saved), then sealed and stored.
   */
  async connect(
    actor: Actor,
    input: {
      kind: string;
      name: string;
      settings: Record<string, string>;
      credentials: Record<string, string>;
      /** When an OAuth access token stops working, shown as the account's token expiry. */
      tokenExpiresAt?: Date;
    },
  ): Promise<ChannelAccount> {
    const errors: Partial<Record<string, string>> = {};
    if (!(channelKinds as readonly string[]).includes(input.kind)) errors.kind = 'Select a network';
    const name = input.name.trim();
    if (!name) errors.name = 'Enter a name for this account, like “Council Bluesky”';
    else if (name.length > 120) errors.name = 'Name must be 120 characters or fewer';
    const kind = input.kind as ChannelKind;
    if (!errors.kind)
      Object.assign(errors, this.registry.validateSettings(kind, input.settings, input.credentials));
    if (Object.keys(errors).length > 0) throw new ChannelAccountError('validation', errors);

    let identity: AccountIdentity;
    try {
      identity = await this.registry.verify(kind, {
        settings: input.settings,
        credentials: input.credentials,
      });
    } catch (error) {
      throw new ChannelAccountError('connection_failed', { credentials: describeFailure(error) });
    }
    return withCouncil(this.db, actor.councilId, async (tx) => {
      const row = await tx
        .insertInto('channel_accounts')
        .values({
          council_id: actor.councilId,
          kind,
          name,
          handle: identity.handle,
          external_id: identity.id,
          settings: JSON.stringify(input.settings),
          credentials: 'pending',
          created_by: actor.userId,
          last_success_at: new Date(),
          token_expires_at: input.tokenExpiresAt ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('channel_accounts')
        .set({ credentials: this.box.seal(input.credentials, this.associated(actor.councilId, row.id)) })
        .where('id', '=', row.id)
        .execute();
      const account = toAccount(await this.findRow(tx, row.id));
      await recordAudit(tx, actor, {
        action: 'channel_account.connected',
        entityType: 'channel_account',
        entityId: row.id,
        after: { kind, name, handle: identity.handle, settings: input.settings },
      });
      return account;
    });
  }

  /** Replaces the credentials of an account (after expiry or revocation) and reactivates it. */
  async reconnect(
    actor: Actor,
    accountId: string,
    credentials: Record<string, string>,
    opts: { tokenExpiresAt?: Date } = {},
  ): Promise<void> {
    const account = await this.get(actor.councilId, accountId);
    let identity: AccountIdentity;
    try {
      identity = await this.registry.verify(account.kind, { settings: account.settings, credentials });
    } catch (error) {
      throw new ChannelAccountError('connection_failed', { credentials: describeFailure(error) });
    }
    const stored = await withCouncil(this.db, actor.councilId, (tx) =>
      tx.selectFrom('channel_accounts').select('external_id').where('id', '=', accountId).executeTakeFirst(),
    );
    // New credentials for another account would quietly move the council's posts elsewhere.
    if (stored?.external_id && stored.external_id !== identity.id)
      throw new ChannelAccountError('connection_failed', {
        credentials: `These credentials are for ${identity.handle}, not ${account.handle ?? 'this account'}. Sign in as ${account.handle ?? 'the same account'}.`,
      });
    await withCouncil(this.db, actor.councilId, async (tx) => {
      await tx
        .updateTable('channel_accounts')
        .set({
          credentials: this.box.seal(credentials, this.associated(actor.councilId, accountId)),
          ...(opts.tokenExpiresAt ? { token_expires_at: opts.tokenExpiresAt } : {}),
          status: 'active',
          last_error: null,
          last_error_at: null,
          last_success_at: new Date(),
          updated_at: new Date(),
        })
        .where('id', '=', accountId)
        .execute();
      await recordAudit(tx, actor, {
        action: 'channel_account.reconnected',
        entityType: 'channel_account',
        entityId: accountId,
        before: { status: account.status },
        after: { status: 'active' },
      });
    });
  }

  async disconnect(actor: Actor, accountId: string): Promise<void> {
    await withCouncil(this.db, actor.councilId, async (tx) => {
      const before = await this.findRow(tx, accountId);
      // The sealed credentials are overwritten: a disconnected account keeps no secret.
      await tx
        .updateTable('channel_accounts')
        .set({
          status: 'disconnected',
          credentials: 'removed',
          disconnected_at: new Date(),
          updated_at: new Date(),
        })
        .where('id', '=', accountId)
        .execute();
      await recordAudit(tx, actor, {
        action: 'channel_account.disconnected',
        entityType: 'channel_account',
        entityId: accountId,
        before: { status: before.status, name: before.name },
        after: { status: 'disconnected' },
      });
    });
  }

  /** A live connector for an active account; throws ChannelError auth_expired when it needs reconnecting. */
  async connectorFor(
    councilId: string,
    accountId: string,
  ): Promise<{ account: ChannelAccount; connector: ChannelConnector }> {
    if (!isUuid(accountId)) throw new ChannelAccountError('not_found');
    return withCouncil(this.db, councilId, async (tx) => {
      const row = await tx
        .selectFrom('channel_accounts')
        .selectAll()
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!row || row.status === 'disconnected') throw new ChannelAccountError('not_found');
      if (row.status === 'needs_reconnect')
        throw new ChannelError('auth_expired', 'The account must be reconnected before it can be used');
      const sealed = row.credentials;
      if (this.box.isStale(sealed)) {
        await tx
          .updateTable('channel_accounts')
          .set({ credentials: this.box.reseal(sealed, this.associated(councilId, accountId)) })
          .where('id', '=', accountId)
          .execute();
      }
      const credentials = this.box.open<Record<string, string>>(
        sealed,
        this.associated(councilId, accountId),
      );
      const account = toAccount(row);
      return {
        account,
        connector: this.registry.create(
          account.kind,
          { settings: account.settings, credentials },
          this.servicesFor(councilId, account),
        ),
      };
    });
  }

  /** What a stored account's connector may use, bound to its council and account. */
  private servicesFor(councilId: string, account: ChannelAccount): ConnectorServices {
    const refresher = this.extras.refreshers?.[account.kind];
    const media = this.extras.publicMedia;
    return {
      sentLedger: databaseLedger(this.db, councilId, account.id),
      ...(media ? { hostImage: (m) => media.host(councilId, m) } : {}),
      ...(refresher
        ? {
            refreshCredentials: (current) =>
              this.refreshCredentials(councilId, account.id, current, refresher),
          }
        : {}),
    };
  }

  /**
   * Renews an account's access token. The row is locked while the network answers, so two
   * workers never spend the same single-use refresh token: the second finds the first's new
   * token stored and uses it. A refusal flags the account at once (needs_reconnect, audited).
   */
  private async refreshCredentials(
    councilId: string,
    accountId: string,
    current: Record<string, string>,
    refresher: CredentialRefresher,
  ): Promise<Record<string, string>> {
    const associated = this.associated(councilId, accountId);
    try {
      return await withCouncil(this.db, councilId, async (tx) => {
        const row = await tx
          .selectFrom('channel_accounts')
          .select(['credentials', 'status'])
          .where('id', '=', accountId)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (row.status !== 'active')
          throw new ChannelError('auth_expired', 'The account must be reconnected');
        const stored = this.box.open<Record<string, string>>(row.credentials, associated);
        if (stored.refreshToken !== current.refreshToken) return stored;
        const next = await refresher(stored);
        await tx
          .updateTable('channel_accounts')
          .set({
            credentials: this.box.seal(next, associated),
            token_expires_at: next.expiresAt ? new Date(next.expiresAt) : null,
            updated_at: new Date(),
          })
          .where('id', '=', accountId)
          .execute();
        return next;
      });
    } catch (error) {
      const failure =
        error instanceof ChannelError
          ? error
          : new ChannelError('unavailable', 'Could not renew the access token', { cause: error });
      // Refused for good: flag it now. Unreachable: the work is retried later as usual.
      if (failure.kind === 'auth_expired') await this.recordOutcome(councilId, accountId, { error: failure });
      throw failure;
    }
  }

  /**
   * Notes a problem found while setting an account up that leaves it working only in part
   * (like webhooks Meta refused to turn on): shown as its last problem, and audited. The
   * account stays active, since publishing still works.
   */
  async flagProblem(actor: Actor, accountId: string, problem: string): Promise<void> {
    await withCouncil(this.db, actor.councilId, async (tx) => {
      await this.findRow(tx, accountId);
      await tx
        .updateTable('channel_accounts')
        .set({ last_error: problem, last_error_at: new Date(), updated_at: new Date() })
        .where('id', '=', accountId)
        .execute();
      await recordAudit(tx, actor, {
        action: 'channel_account.problem_flagged',
        entityType: 'channel_account',
        entityId: accountId,
        after: { problem },
      });
    });
  }

  /**
   * Records the outcome of any call to the network. An auth failure flags the account at once
   * (status needs_reconnect, audited) so owners see it and queued work waits for them.
   */
  async recordOutcome(
    councilId: string,
    accountId: string,
    outcome: { error?: unknown; rateLimitRemaining?: number },
  ): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
      if (!outcome.error) {
        await tx
          .updateTable('channel_accounts')
          .set({ last_success_at: new Date(), rate_limit_remaining: outcome.rateLimitRemaining ?? null })
          .where('id', '=', accountId)
          .execute();
        return;
      }
      const error = outcome.error;
      const isAuth = error instanceof ChannelError && error.kind === 'auth_expired';
      const isRate = error instanceof ChannelError && error.kind === 'rate_limited';
      await tx
        .updateTable('channel_accounts')
        .set({
          last_error_at: new Date(),
          last_error: describeFailure(error),
          ...(isAuth ? { status: 'needs_reconnect' } : {}),
          ...(isRate
            ? {
                rate_limit_remaining: 0,
                rate_limit_reset_at: new Date(Date.now() + (error.retryAfterSeconds ?? 60) * 1000),
              }
            : {}),
        })
        .where('id', '=', accountId)
        .where('status', '<>', 'disconnected')
        .execute();
      if (isAuth) {
        await recordAudit(
          tx,
          { councilId, userId: null, label: 'system' },
          {
            action: 'channel_account.needs_reconnect',
            entityType: 'channel_account',
            entityId: accountId,
            after: { reason: describeFailure(error) },
          },
        );
      }
    });
  }
}
