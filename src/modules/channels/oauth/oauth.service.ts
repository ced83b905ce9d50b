/**
 * Connecting channel accounts by OAuth from the staff console: Mastodon (an app registered
 * per council and server, then the authorization code flow with PKCE), X (authorization code
 * with PKCE S256 and offline.access; the refresh token is kept to renew access) and Facebook
 * Login for a Facebook Page or its Instagram professional account (the officer chooses the
 * Page). Every sign-in is bound to the staff session that started it, used once and expires;
 * a refusal, a bad or replayed state or a failing token endpoint stores no account. The
 * account itself is saved by ChannelAccountsService.connect, which checks it with the network
 * (verify_credentials) first, seals the credentials and audits.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { withCouncil, type Db } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../accounts/index.ts';
import { ChannelAccountError, type ChannelAccountsService } from '../accounts.service.ts';
import { channelPaths } from '../channels.paths.ts';
import type { ChannelKind } from '../port.ts';
import type { ConnectorRegistry } from '../registry.ts';
import {
  exchangeMastodonCode,
  mastodonAuthorizeUrl,
  mastodonScopes,
  registerMastodonApp,
} from './mastodon.oauth.ts';
import { MetaOAuth, metaWebhookFields, type MetaOAuthConfig, type MetaPage } from './meta.oauth.ts';
import { ChannelOAuthError, oauthMessages } from './oauth-error.ts';
import { OAuthStates, type OAuthOwner } from './oauth-states.ts';
import { XOAuth, type XOAuthConfig } from './x.oauth.ts';

export type OAuthSetup = { x?: XOAuthConfig; meta?: MetaOAuthConfig };
export type OAuthActor = Actor & { userId: string; sessionToken: string };
/** Where the provider sends the officer back to: one callback path per provider. */
export type CallbackProvider = 'mastodon' | 'x' | 'meta';
export type CallbackQuery = { code?: string; state?: string; error?: string; error_description?: string };

/** `reconnect`: the account whose credentials this sign-in renews, instead of a new account. */
type MastodonData = { instanceUrl: string; appId: string; codeVerifier: string; reconnect?: string };
type XData = { codeVerifier: string; reconnect?: string };
type MetaData = { pages?: MetaPage[]; reconnect?: string; reconnectPageId?: string };

const oauthKinds = ['mastodon', 'x', 'facebook', 'instagram'] as const;
export type OAuthKind = (typeof oauthKinds)[number];
export const isOAuthKind = (k: string): k is OAuthKind => (oauthKinds as readonly string[]).includes(k);

const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class ChannelOAuthService {
  private readonly states: OAuthStates;
  private readonly x: XOAuth | undefined;
  private readonly meta: MetaOAuth | undefined;

  constructor(
    private readonly db: Db,
    private readonly accounts: ChannelAccountsService,
    private readonly registry: ConnectorRegistry,
    private readonly setup: OAuthSetup,
  ) {
    this.states = new OAuthStates(db, accounts);
    this.x = setup.x ? new XOAuth(setup.x) : undefined;
    this.meta = setup.meta ? new MetaOAuth(setup.meta) : undefined;
  }

  /** Renews X access tokens for the accounts service (undefined when X has no OAuth app here). */
  get xRefresher(): ((c: Record<string, string>) => Promise<Record<string, string>>) | undefined {
    const x = this.x;
    return x ? (c) => x.refresh(c) : undefined;
  }

  /** Whether this kind can be connected by signing in, in this deployment. */
  offers(kind: string): kind is OAuthKind {
    if (!isOAuthKind(kind) || !this.registry.definition(kind as ChannelKind)) return false;
    if (kind === 'mastodon') return true;
    if (kind === 'x') return Boolean(this.x);
    return Boolean(this.meta);
  }

  /** Origins a connect form may send the officer on to (the page's CSP form-action). */
  formTargets(kind: string): string[] {
    if (kind === 'x' && this.setup.x) return [new URL(this.setup.x.authorizeUrl).origin];
    if ((kind === 'facebook' || kind === 'instagram') && this.setup.meta)
      return [new URL(this.setup.meta.dialogUrl).origin];
    return [];
  }

  /**
   * Starts a sign-in; returns where to send the officer. `callbackBase` is this council's
   * address as the browser sees it, e.g. https://www.kirkby.gov.uk or http://localhost/c/kirkby.
   */
  async start(
    actor: OAuthActor,
    input: { kind: string; name: string; instanceUrl?: string; callbackBase: string; accountId?: string },
  ): Promise<{ location: string }> {
    const errors: Partial<Record<string, string>> = {};
    // Signing in again for an account that needs reconnecting: same network, name and server.
    const existing = input.accountId ? await this.reconnecting(actor.councilId, input.accountId) : undefined;
    if (existing) {
      if (existing.kind !== input.kind) throw new ChannelOAuthError('not_found', oauthMessages.not_found);
      input = { ...input, name: existing.name, instanceUrl: existing.settings.baseUrl ?? '' };
    }
    const reconnect = existing ? { reconnect: existing.id } : {};
    const name = input.name.trim();
    if (!name) errors.name = 'Enter a name for this account, like “Council Mastodon”';
    else if (name.length > 120) errors.name = 'Name must be 120 characters or fewer';
    if (!this.offers(input.kind)) throw new ChannelOAuthError('not_configured', oauthMessages.not_configured);
    let instanceUrl = '';
    if (input.kind === 'mastodon') {
      const raw = (input.instanceUrl ?? '').trim();
      const problem = raw
        ? this.registry.addressProblem('url', raw)
        : 'Enter the address of the council’s Mastodon server';
      if (problem) errors.instanceUrl = problem;
      else instanceUrl = new URL(raw).origin;
    }
    if (Object.keys(errors).length) throw new ChannelOAuthError('validation', 'There is a problem', errors);
    const owner = { councilId: actor.councilId, userId: actor.userId, sessionToken: actor.sessionToken };
    const kind = input.kind;

    if (kind === 'mastodon') {
      const redirectUri = `${input.callbackBase}${channelPaths.oauthCallbacks.mastodon}`;
      const app = await this.mastodonApp(actor, instanceUrl, redirectUri);
      const codeVerifier = randomBytes(32).toString('base64url');
      const data: MastodonData = { instanceUrl, appId: app.id, codeVerifier, ...reconnect };
      const state = await this.states.create(owner, {
        provider: 'mastodon',
        accountName: name,
        redirectUri,
        data,
      });
      return {
        location: mastodonAuthorizeUrl(instanceUrl, {
          clientId: app.clientId,
          redirectUri,
          state,
          codeChallenge: pkceChallenge(codeVerifier),
        }),
      };
    }
    if (kind === 'x') {
      const redirectUri = `${input.callbackBase}${channelPaths.oauthCallbacks.x}`;
      // The state is made here so it can be stored before the link is: the library takes it as given.
      const state = randomBytes(32).toString('base64url');
      const link = this.x!.authorizeLink(redirectUri, state);
      const data: XData = { codeVerifier: link.codeVerifier, ...reconnect };
      await this.states.create(owner, { provider: 'x', accountName: name, redirectUri, data }, state);
      return { location: link.url };
    }
    const redirectUri = `${input.callbackBase}${channelPaths.oauthCallbacks.meta}`;
    const data: MetaData = {
      ...reconnect,
      ...(existing?.settings.pageId ? { reconnectPageId: existing.settings.pageId } : {}),
    };
    const state = await this.states.create(owner, { provider: kind, accountName: name, redirectUri, data });
    return { location: this.meta!.dialogUrl(kind, redirectUri, state) };
  }

  private async reconnecting(councilId: string, accountId: string) {
    try {
      return await this.accounts.get(councilId, accountId);
    } catch (error) {
      if (error instanceof ChannelAccountError)
        throw new ChannelOAuthError('not_found', oauthMessages.not_found);
      throw error;
    }
  }

  /** The council's app on this Mastodon server for this callback, registered on first use. */
  private async mastodonApp(
    actor: Actor,
    instanceUrl: string,
    redirectUri: string,
  ): Promise<{ id: string; clientId: string }> {
    const existing = await withCouncil(this.db, actor.councilId, (tx) =>
      tx
        .selectFrom('channel_oauth_apps')
        .select(['id', 'client_id'])
        .where('provider', '=', 'mastodon')
        .where('instance_url', '=', instanceUrl)
        .where('redirect_uri', '=', redirectUri)
        .where('scopes', '=', mastodonScopes)
        .executeTakeFirst(),
    );
    if (existing) return { id: existing.id, clientId: existing.client_id };
    const registered = await registerMastodonApp(instanceUrl, { clientName: 'Townsquare', redirectUri });
    return withCouncil(this.db, actor.councilId, async (tx) => {
      // The id is made here so the secret is sealed to its row in the same insert.
      const id = randomUUID();
      const row = await tx
        .insertInto('channel_oauth_apps')
        .values({
          id,
          council_id: actor.councilId,
          provider: 'mastodon',
          instance_url: instanceUrl,
          redirect_uri: redirectUri,
          client_id: registered.clientId,
          client_secret: this.accounts.seal(registered.clientSecret, `${actor.councilId}/oauth-app/${id}`),
          scopes: mastodonScopes,
          created_by: actor.userId,
        })
        // Two officers starting at once: the first registration is kept.
        .onConflict((oc) =>
          oc.columns(['council_id', 'provider', 'instance_url', 'redirect_uri']).doNothing(),
        )
        .returning('id')
        .executeTakeFirst();
      if (!row) {
        const other = await tx
          .selectFrom('channel_oauth_apps')
          .select(['id', 'client_id'])
          .where('provider', '=', 'mastodon')
          .where('instance_url', '=', instanceUrl)
          .where('redirect_uri', '=', redirectUri)
          .executeTakeFirstOrThrow();
        return { id: other.id, clientId: other.client_id };
      }
      await recordAudit(tx, actor, {
        action: 'channel_oauth_app.registered',
        entityType: 'channel_oauth_app',
        entityId: row.id,
        after: { provider: 'mastodon', instanceUrl, redirectUri, scopes: mastodonScopes },
      });
      return { id: row.id, clientId: registered.clientId };
    });
  }

  /**
   * Handles the provider's redirect back. Returns `connected`, or for Facebook and Instagram
   * the id of the sign-in whose Pages the officer now chooses from.
   */
  async finish(
    actor: OAuthActor,
    provider: CallbackProvider,
    query: CallbackQuery,
  ): Promise<{ connected: true } | { choose: string }> {
    const owner: OAuthOwner = {
      councilId: actor.councilId,
      userId: actor.userId,
      sessionToken: actor.sessionToken,
    };
    if (!query.state) throw new ChannelOAuthError('bad_state', oauthMessages.bad_state);
    const allowed: ('mastodon' | 'x' | 'facebook' | 'instagram')[] =
      provider === 'meta' ? ['facebook', 'instagram'] : [provider];
    const flow = await this.states.consume<MastodonData & XData & MetaData>(owner, query.state, allowed);
    if (query.error || !query.code) {
      if (query.error === 'access_denied' || !query.code)
        throw new ChannelOAuthError('denied', oauthMessages.denied);
      throw new ChannelOAuthError(
        'provider',
        `The network did not give access: “${(query.error_description ?? query.error ?? '').slice(0, 300)}”`,
      );
    }
    const code = query.code;
    if (flow.provider === 'mastodon') {
      const app = await withCouncil(this.db, actor.councilId, (tx) =>
        tx
          .selectFrom('channel_oauth_apps')
          .select(['id', 'client_id', 'client_secret'])
          .where('id', '=', flow.data.appId)
          .executeTakeFirst(),
      );
      if (!app) throw new ChannelOAuthError('not_found', oauthMessages.not_found);
      const { accessToken } = await exchangeMastodonCode(flow.data.instanceUrl, {
        clientId: app.client_id,
        clientSecret: this.accounts.open<string>(app.client_secret, `${actor.councilId}/oauth-app/${app.id}`),
        redirectUri: flow.redirectUri,
        code,
        codeVerifier: flow.data.codeVerifier,
      });
      await this.save(actor, {
        kind: 'mastodon',
        name: flow.accountName,
        settings: { baseUrl: flow.data.instanceUrl },
        credentials: { accessToken },
        reconnect: flow.data.reconnect,
      });
      return { connected: true };
    }
    if (flow.provider === 'x') {
      if (!this.x) throw new ChannelOAuthError('not_configured', oauthMessages.not_configured);
      const tokens = await this.x.exchange({
        code,
        codeVerifier: flow.data.codeVerifier,
        redirectUri: flow.redirectUri,
      });
      const apiUrl = this.setup.x!.apiUrl.replace(/\/+$/, '');
      await this.save(actor, {
        kind: 'x',
        name: flow.accountName,
        settings: apiUrl === 'https://api.x.com' ? {} : { apiBaseUrl: apiUrl },
        credentials: tokens,
        tokenExpiresAt: new Date(tokens.expiresAt),
        reconnect: flow.data.reconnect,
      });
      return { connected: true };
    }
    if (!this.meta) throw new ChannelOAuthError('not_configured', oauthMessages.not_configured);
    const { userToken } = await this.meta.exchange(code, flow.redirectUri);
    const pages = await this.meta.pages(userToken);
    const usable = (flow.provider === 'instagram' ? pages.filter((p) => p.instagram) : pages).filter(
      (p) => !flow.data.reconnectPageId || p.id === flow.data.reconnectPageId,
    );
    if (usable.length === 0)
      throw new ChannelOAuthError(
        'provider',
        flow.data.reconnectPageId
          ? 'You do not manage the Page this account is for, so you cannot reconnect it.'
          : flow.provider === 'instagram'
            ? 'None of the Facebook Pages you manage has an Instagram professional account linked to it. Link one in Meta Business Suite, then try again.'
            : 'You do not manage any Facebook Page, or did not allow Townsquare to see them.',
      );
    await this.states.keep(actor.councilId, flow.id, { ...flow.data, pages: usable } satisfies MetaData);
    return { choose: flow.id };
  }

  /** The Pages (or Instagram accounts) offered after Facebook Login, without their tokens. */
  async choices(
    actor: OAuthActor,
    flowId: string,
  ): Promise<{ kind: 'facebook' | 'instagram'; name: string; pages: { id: string; label: string }[] }> {
    const flow = await this.states.pending<MetaData>(this.ownerOf(actor), flowId);
    const kind = flow.provider === 'instagram' ? 'instagram' : 'facebook';
    return {
      kind,
      name: flow.accountName,
      pages: (flow.data.pages ?? []).map((p) => ({
        id: p.id,
        label:
          kind === 'instagram' && p.instagram
            ? `${p.instagram.username ? `@${p.instagram.username}` : p.instagram.id} (Page: ${p.name})`
            : p.name,
      })),
    };
  }

  /**
   * Connects the chosen Page (or its Instagram account) with its Page token, then installs the
   * app on the Page for the webhooks the inbox needs. If that fails the account stays
   * connected (publishing works) but is flagged with the reason, which is returned.
   */
  async choose(actor: OAuthActor, flowId: string, pageId: string): Promise<{ webhookProblem?: string }> {
    const flow = await this.states.pending<MetaData>(this.ownerOf(actor), flowId);
    const page = flow.data.pages?.find((p) => p.id === pageId);
    if (!page) throw new ChannelOAuthError('validation', 'There is a problem', { pageId: 'Select a Page' });
    if (!(await this.states.complete(actor.councilId, flow.id)))
      throw new ChannelOAuthError('replayed', oauthMessages.replayed);
    const meta = this.meta;
    if (!meta) throw new ChannelOAuthError('not_configured', oauthMessages.not_configured);
    const graphUrl = meta.graphUrl;
    const baseUrl: Record<string, string> =
      graphUrl === 'https://graph.facebook.com' ? {} : { baseUrl: graphUrl };
    const credentials = {
      accessToken: page.accessToken,
      appSecret: meta.appSecret,
      // Webhooks for Pages connected by login are set up once, in the deployment's Meta app,
      // with its verify token; without one configured, a random one (no handshake possible).
      verifyToken: meta.verifyToken ?? randomBytes(24).toString('base64url'),
    };
    const kind = flow.provider === 'instagram' && page.instagram ? 'instagram' : 'facebook';
    const accountId = await this.save(actor, {
      kind,
      name: flow.accountName,
      settings:
        kind === 'instagram' && page.instagram
          ? { igUserId: page.instagram.id, pageId: page.id, ...baseUrl }
          : { pageId: page.id, ...baseUrl },
      credentials,
      reconnect: flow.data.reconnect,
    });
    try {
      await meta.subscribe(page.id, page.accessToken, metaWebhookFields[kind]);
      return {};
    } catch (error) {
      if (!(error instanceof ChannelOAuthError)) throw error;
      const problem = `${error.message} Comments and messages will not reach the inbox until this is fixed: reconnect the account, and check the Page allows apps in its settings.`;
      await this.accounts.flagProblem(actor, accountId, problem);
      return { webhookProblem: problem };
    }
  }

  private ownerOf(actor: OAuthActor): OAuthOwner {
    return { councilId: actor.councilId, userId: actor.userId, sessionToken: actor.sessionToken };
  }

  /** Saves a new account, or renews the credentials of the one being reconnected. */
  private async save(
    actor: OAuthActor,
    {
      reconnect,
      ...input
    }: Parameters<ChannelAccountsService['connect']>[1] & { reconnect: string | undefined },
  ): Promise<string> {
    try {
      if (reconnect) {
        await this.accounts.reconnect(actor, reconnect, input.credentials, {
          ...(input.tokenExpiresAt ? { tokenExpiresAt: input.tokenExpiresAt } : {}),
        });
        return reconnect;
      }
      return (await this.accounts.connect(actor, input)).id;
    } catch (error) {
      if (!(error instanceof ChannelAccountError)) throw error;
      const detail = Object.values(error.fieldErrors).filter(Boolean).join(' ');
      throw new ChannelOAuthError(
        'provider',
        `The account could not be checked with the network. ${detail}`.trim(),
      );
    }
  }
}
