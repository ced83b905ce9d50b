/**
 * OAuth sign-ins in progress (`channel_oauth_states`). The `state` sent to the provider is 256
 * random bits; only its SHA-256 is stored, with the staff member and the SHA-256 of their
 * session, so a callback is accepted once, within ten minutes, in the session that started it.
 * What must stay secret until the callback (the PKCE verifier, Pages and their tokens) is
 * sealed with the council's credential key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { withCouncil, type Db } from '../../../db/index.ts';
import { ChannelOAuthError } from './oauth-error.ts';
import { oauthMessages } from './oauth-error.ts';

export type OAuthProvider = 'mastodon' | 'x' | 'facebook' | 'instagram';

/** Who started the sign-in: the staff member and the session they were in. */
export type OAuthOwner = { councilId: string; userId: string; sessionToken: string };

export type Sealer = {
  seal(value: unknown, associated: string): string;
  open<T>(sealed: string, associated: string): T;
};

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const lifetimeMs = 10 * 60_000;
/** A Page must be chosen within this long after the network's answer. */
const choiceMs = 15 * 60_000;

export type OpenState<T> = {
  id: string;
  provider: OAuthProvider;
  accountName: string;
  redirectUri: string;
  data: T;
};

export class OAuthStates {
  constructor(
    private readonly db: Db,
    private readonly box: Sealer,
  ) {}

  private associated(councilId: string, id: string) {
    return `${councilId}/oauth/${id}`;
  }

  /** Records a sign-in about to start; returns the `state` to send to the provider. */
  async create(
    owner: OAuthOwner,
    input: { provider: OAuthProvider; accountName: string; redirectUri: string; data: unknown },
    state = randomBytes(32).toString('base64url'),
  ): Promise<string> {
    await withCouncil(this.db, owner.councilId, async (tx) => {
      // Old attempts are of no use to anyone; each start clears the council's expired ones.
      await tx
        .deleteFrom('channel_oauth_states')
        .where('expires_at', '<', new Date(Date.now() - choiceMs))
        .execute();
      const row = await tx
        .insertInto('channel_oauth_states')
        .values({
          council_id: owner.councilId,
          state_hash: sha256(state),
          provider: input.provider,
          user_id: owner.userId,
          session_hash: sha256(owner.sessionToken),
          account_name: input.accountName,
          redirect_uri: input.redirectUri,
          sealed: 'pending',
          expires_at: new Date(Date.now() + lifetimeMs),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('channel_oauth_states')
        .set({ sealed: this.box.seal(input.data, this.associated(owner.councilId, row.id)) })
        .where('id', '=', row.id)
        .execute();
    });
    return state;
  }

  /**
   * Uses a `state` from a callback, once: marked used (and committed) before anything else
   * happens, so a replayed callback is refused even if this one fails later.
   */
  async consume<T>(owner: OAuthOwner, state: string, provider: OAuthProvider[]): Promise<OpenState<T>> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(state)) throw new ChannelOAuthError('bad_state', oauthMessages.bad_state);
    return withCouncil(this.db, owner.councilId, async (tx) => {
      const row = await tx
        .selectFrom('channel_oauth_states')
        .selectAll()
        .where('state_hash', '=', sha256(state))
        .forUpdate()
        .executeTakeFirst();
      if (!row || !provider.includes(row.provider as OAuthProvider))
        throw new ChannelOAuthError('bad_state', oauthMessages.bad_state);
      if (row.used_at) throw new ChannelOAuthError('replayed', oauthMessages.replayed);
      if (row.user_id !== owner.userId || row.session_hash !== sha256(owner.sessionToken))
        throw new ChannelOAuthError('bad_state', oauthMessages.bad_state);
      if (row.expires_at.getTime() < Date.now())
        throw new ChannelOAuthError('expired', oauthMessages.expired);
      await tx
        .updateTable('channel_oauth_states')
        .set({ used_at: new Date() })
        .where('id', '=', row.id)
        .execute();
      return {
        id: row.id,
        provider: row.provider as OAuthProvider,
        accountName: row.account_name,
        redirectUri: row.redirect_uri,
        data: this.box.open<T>(row.sealed, this.associated(owner.councilId, row.id)),
      };
    });
  }

  /** Keeps what the network answered (the Pages to choose from) on a used sign-in. */
  async keep(councilId: string, id: string, data: unknown): Promise<void> {
    await withCouncil(this.db, councilId, async (tx) => {
      await tx
        .updateTable('channel_oauth_states')
        .set({ sealed: this.box.seal(data, this.associated(councilId, id)) })
        .where('id', '=', id)
        .execute();
    });
  }

  /** A used, unfinished sign-in of this owner awaiting a choice, without finishing it. */
  async pending<T>(owner: OAuthOwner, id: string): Promise<OpenState<T>> {
    return withCouncil(this.db, owner.councilId, async (tx) => {
      const row = /^[0-9a-f-]{36}$/.test(id)
        ? await tx.selectFrom('channel_oauth_states').selectAll().where('id', '=', id).executeTakeFirst()
        : undefined;
      if (!row || !row.used_at || row.completed_at)
        throw new ChannelOAuthError('not_found', oauthMessages.not_found);
      if (row.user_id !== owner.userId || row.session_hash !== sha256(owner.sessionToken))
        throw new ChannelOAuthError('not_found', oauthMessages.not_found);
      if (row.used_at.getTime() + choiceMs < Date.now())
        throw new ChannelOAuthError('expired', oauthMessages.expired);
      return {
        id: row.id,
        provider: row.provider as OAuthProvider,
        accountName: row.account_name,
        redirectUri: row.redirect_uri,
        data: this.box.open<T>(row.sealed, this.associated(owner.councilId, row.id)),
      };
    });
  }

  /** Finishes a sign-in for good; false when it was already finished (a second submit). */
  async complete(councilId: string, id: string): Promise<boolean> {
    return withCouncil(this.db, councilId, async (tx) => {
      const done = await tx
        .updateTable('channel_oauth_states')
        // The sealed tokens of Pages not chosen are of no further use: drop them.
        .set({ completed_at: new Date(), sealed: 'removed' })
        .where('id', '=', id)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      return Number(done.numUpdatedRows) === 1;
    });
  }
}
