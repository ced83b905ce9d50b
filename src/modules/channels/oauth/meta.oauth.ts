/**
 * Facebook Login for Pages and Instagram, built by hand as Meta's "Manually Build a Login
 * Flow" describes: the Login dialog (`dialog/oauth`), the code exchanged at
 * `/oauth/access_token`, the short-lived user token swapped for a long-lived one
 * (`grant_type=fb_exchange_token`), then `/me/accounts` for the officer's Pages with their
 * Page tokens (a Page token got from a long-lived user token does not expire) and each
 * Page's linked Instagram professional account. The shared HTTP client (no redirects followed), with `appsecret_proof` on every
 * call made with a user token.
 */
import { createHmac } from 'node:crypto';
import { httpRequest, type HttpResponse } from '../http-client.ts';
import { ChannelOAuthError } from './oauth-error.ts';

export type MetaOAuthConfig = {
  appId: string;
  appSecret: string;
  dialogUrl: string;
  graphUrl: string;
  /** The verify token set in the Meta app's webhook settings (one per app). */
  verifyToken?: string;
};

const apiVersion = 'v21.0';

/** The narrowest permissions each connector uses. */
export const metaScopes = {
  facebook: [
    'pages_show_list',
    'pages_read_engagement',
    'pages_manage_posts',
    'pages_manage_engagement',
    'pages_messaging',
    'pages_manage_metadata',
  ],
  instagram: [
    'pages_show_list',
    'pages_read_engagement',
    'instagram_basic',
    'instagram_content_publish',
    'instagram_manage_comments',
    // Installing the app on the Page (subscribed_apps, feed) is what turns on Instagram's webhooks.
    'pages_manage_metadata',
  ],
} as const;

/**
 * The Page webhook fields the inbox needs, subscribed on the chosen Page
 * (`POST /{page-id}/subscribed_apps`): Meta sends a Page's webhooks only for fields the app
 * is subscribed to both in its dashboard and on the Page. Facebook: `feed` (comments and
 * visitor posts) and `messages` (Messenger). Instagram with Facebook Login: the Page linked
 * to the Instagram account must install the app for any Page field; its comments and
 * mentions then follow the app's Instagram subscription, so `feed` alone, which needs no
 * Messenger permission.
 */
export const metaWebhookFields = { facebook: ['feed', 'messages'], instagram: ['feed'] } as const;

export type MetaPage = {
  id: string;
  name: string;
  accessToken: string;
  instagram?: { id: string; username?: string };
};

export class MetaOAuth {
  constructor(private readonly config: MetaOAuthConfig) {}

  get graphUrl(): string {
    return this.config.graphUrl.replace(/\/+$/, '');
  }

  get appSecret(): string {
    return this.config.appSecret;
  }

  get verifyToken(): string | undefined {
    return this.config.verifyToken;
  }

  dialogUrl(kind: 'facebook' | 'instagram', redirectUri: string, state: string): string {
    const url = new URL(this.config.dialogUrl);
    url.search = new URLSearchParams({
      client_id: this.config.appId,
      redirect_uri: redirectUri,
      state,
      response_type: 'code',
      scope: metaScopes[kind].join(','),
    }).toString();
    return url.toString();
  }

  private async get(
    path: string,
    query: Record<string, string>,
    what: string,
  ): Promise<Record<string, unknown>> {
    const url = new URL(`${this.graphUrl}/${apiVersion}/${path}`);
    url.search = new URLSearchParams(query).toString();
    let res: HttpResponse;
    try {
      res = await httpRequest(url.toString(), { method: 'GET' });
    } catch {
      throw new ChannelOAuthError(
        'provider',
        `Facebook could not be reached to ${what}. Try again in a few minutes.`,
      );
    }
    const body = parseJson(res.text) as Record<string, unknown> & { error?: { message?: string } };
    if (!res.ok || body.error)
      throw new ChannelOAuthError(
        'provider',
        `Facebook refused to ${what}${body.error?.message ? `: “${body.error.message.slice(0, 300)}”` : ` (HTTP ${res.status}).`}`,
      );
    return body;
  }

  private proof(token: string): string {
    return createHmac('sha256', this.config.appSecret).update(token).digest('hex');
  }

  /** Code -> short-lived user token -> long-lived user token. */
  async exchange(code: string, redirectUri: string): Promise<{ userToken: string }> {
    const short = await this.get(
      'oauth/access_token',
      { client_id: this.config.appId, redirect_uri: redirectUri, client_secret: this.config.appSecret, code },
      'give Townsquare access',
    );
    if (typeof short.access_token !== 'string')
      throw new ChannelOAuthError('provider', 'Facebook answered without an access token.');
    const long = await this.get(
      'oauth/access_token',
      {
        grant_type: 'fb_exchange_token',
        client_id: this.config.appId,
        client_secret: this.config.appSecret,
        fb_exchange_token: short.access_token,
      },
      'give Townsquare lasting access',
    );
    if (typeof long.access_token !== 'string')
      throw new ChannelOAuthError('provider', 'Facebook answered without a long-lived access token.');
    return { userToken: long.access_token };
  }

  /** Installs the app on the Page for these webhook fields, with the Page's own token. */
  async subscribe(pageId: string, pageToken: string, fields: readonly string[]): Promise<void> {
    // A POST replaces the Page's list of fields for this app, so keep what is there already
    // (the same Page may also be connected as Facebook while this is its Instagram account).
    const current = await this.get(
      `${encodeURIComponent(pageId)}/subscribed_apps`,
      { access_token: pageToken, appsecret_proof: this.proof(pageToken) },
      'say what this Page sends to Townsquare',
    ).catch(() => ({ data: [] }));
    const ours = ((current as { data?: { id?: unknown; subscribed_fields?: unknown }[] }).data ?? []).find(
      (a) => a.id === this.config.appId,
    );
    const kept = Array.isArray(ours?.subscribed_fields)
      ? ours.subscribed_fields.filter((f): f is string => typeof f === 'string')
      : [];
    const wanted = [...new Set([...kept, ...fields])];
    let res: HttpResponse;
    try {
      res = await httpRequest(
        `${this.graphUrl}/${apiVersion}/${encodeURIComponent(pageId)}/subscribed_apps`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            subscribed_fields: wanted.join(','),
            access_token: pageToken,
            appsecret_proof: this.proof(pageToken),
          }).toString(),
        },
      );
    } catch {
      throw new ChannelOAuthError(
        'provider',
        'Facebook could not be reached to send this Page’s comments and messages to Townsquare.',
      );
    }
    const body = parseJson(res.text) as { success?: unknown; error?: { message?: string } };
    if (!res.ok || body.error || body.success !== true)
      throw new ChannelOAuthError(
        'provider',
        `Facebook refused to send this Page’s comments and messages to Townsquare${body.error?.message ? `: “${body.error.message.slice(0, 300)}”` : ` (HTTP ${res.status}).`}`,
      );
  }

  /** The Pages the officer manages, with Page tokens and linked Instagram accounts. */
  async pages(userToken: string): Promise<MetaPage[]> {
    const pages: MetaPage[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i += 1) {
      const body = (await this.get(
        'me/accounts',
        {
          fields: 'id,name,access_token,tasks,instagram_business_account{id,username}',
          limit: '100',
          access_token: userToken,
          appsecret_proof: this.proof(userToken),
          ...(after ? { after } : {}),
        },
        'list your Pages',
      )) as {
        data?: {
          id?: unknown;
          name?: unknown;
          access_token?: unknown;
          instagram_business_account?: { id?: unknown; username?: unknown };
        }[];
        paging?: { cursors?: { after?: string }; next?: string };
      };
      for (const p of body.data ?? []) {
        if (typeof p.id !== 'string' || typeof p.access_token !== 'string') continue;
        const ig = p.instagram_business_account;
        pages.push({
          id: p.id,
          name: typeof p.name === 'string' ? p.name : p.id,
          accessToken: p.access_token,
          ...(ig && typeof ig.id === 'string'
            ? {
                instagram: {
                  id: ig.id,
                  ...(typeof ig.username === 'string' ? { username: ig.username } : {}),
                },
              }
            : {}),
        });
      }
      after = body.paging?.next ? body.paging.cursors?.after : undefined;
      if (!after) break;
    }
    return pages;
  }
}

/** A body that is not JSON (an HTML error page from a proxy) reads as empty: the status says enough. */
function parseJson(text: string): object {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}
