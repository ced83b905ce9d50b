/**
 * X's OAuth 2.0 Authorization Code flow with PKCE (S256) and offline.access, through
 * twitter-api-v2 (generateOAuth2AuthLink, loginWithOAuth2, refreshOAuth2Token): the library
 * makes the verifier and challenge and speaks the token endpoint, including the client's Basic
 * authentication. It names x.com and api.x.com itself; the configured addresses replace them,
 * so tests reach the contract server and a deployment can use a proxy.
 */
import http from 'node:http';
import { ApiRequestError, ApiResponseError, TwitterApi } from 'twitter-api-v2';
import { ChannelError } from '../channel-error.ts';
import { ChannelOAuthError } from './oauth-error.ts';

export type XOAuthConfig = { clientId: string; clientSecret?: string; authorizeUrl: string; apiUrl: string };

/** Post, read mentions, upload images with alt text, know who we are, and stay signed in. */
export const xScopes = ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'];

export type XTokens = { accessToken: string; refreshToken?: string; expiresAt: string };

export class XOAuth {
  constructor(private readonly config: XOAuthConfig) {}

  private client(): TwitterApi {
    const api = this.config.apiUrl.replace(/\/+$/, '');
    const client = new TwitterApi(
      {
        clientId: this.config.clientId,
        ...(this.config.clientSecret ? { clientSecret: this.config.clientSecret } : {}),
      },
      api.startsWith('http:') ? { httpAgent: new http.Agent() } : {},
    );
    const post = client.post.bind(client);
    // The library posts to https://api.x.com/2/oauth2/token by absolute URL.
    client.post = ((url: string, ...rest: unknown[]) =>
      (post as (...a: unknown[]) => unknown)(
        url.replace(/^https:\/\/api\.x\.com/, api),
        ...rest,
      )) as typeof client.post;
    return client;
  }

  authorizeLink(redirectUri: string, state: string): { url: string; codeVerifier: string } {
    const link = this.client().generateOAuth2AuthLink(redirectUri, { scope: xScopes, state });
    const url = new URL(this.config.authorizeUrl);
    url.search = new URL(link.url).search;
    return { url: url.toString(), codeVerifier: link.codeVerifier };
  }

  async exchange(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<XTokens> {
    try {
      return tokens(await this.client().loginWithOAuth2(input));
    } catch (error) {
      throw new ChannelOAuthError('provider', `X refused to give Townsquare access: ${reasonOf(error)}`);
    }
  }

  /** Renews the access token; X's refresh tokens are single use, so the new one replaces it. */
  async refresh(credentials: Record<string, string>): Promise<Record<string, string>> {
    if (!credentials.refreshToken)
      throw new ChannelError('auth_expired', 'The X sign-in has expired and cannot be renewed');
    try {
      const next = tokens(await this.client().refreshOAuth2Token(credentials.refreshToken));
      return { ...credentials, ...next };
    } catch (error) {
      if (error instanceof ApiResponseError && error.code >= 400 && error.code < 500)
        throw new ChannelError('auth_expired', 'X would not renew the sign-in; reconnect the account', {
          status: error.code,
          providerReason: reasonOf(error),
        });
      throw new ChannelError('unavailable', 'X could not be reached to renew the sign-in', { cause: error });
    }
  }
}

function tokens(r: { accessToken: string; refreshToken?: string; expiresIn: number }): XTokens {
  return {
    accessToken: r.accessToken,
    ...(r.refreshToken ? { refreshToken: r.refreshToken } : {}),
    expiresAt: new Date(Date.now() + r.expiresIn * 1000).toISOString(),
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof ApiResponseError) {
    const data = error.data as { error_description?: unknown; error?: unknown };
    const text = [data.error_description, data.error].find((v) => typeof v === 'string');
    return typeof text === 'string' ? `“${text.slice(0, 300)}”` : `HTTP ${error.code}`;
  }
  if (error instanceof ApiRequestError) return 'X could not be reached';
  return 'an unexpected answer';
}
