/**
 * Mastodon's OAuth (docs.joinmastodon.org methods/apps, methods/oauth): Townsquare registers
 * itself as a client on the council's server once (POST /api/v1/apps), sends the officer to
 * /oauth/authorize with the narrowest scopes the connector uses and a PKCE challenge, and
 * exchanges the code at POST /oauth/token. Plain fetch: three calls need no SDK.
 */
import { ChannelOAuthError } from './oauth-error.ts';

/** What the Mastodon connector calls, and nothing more (granular scopes, Mastodon 3.5+). */
export const mastodonScopes = [
  'read:accounts',
  'read:notifications',
  'read:statuses',
  'write:statuses',
  'write:media',
].join(' ');

const timeoutMs = 15_000;

async function call(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ChannelOAuthError(
      'provider',
      `The Mastodon server could not be reached to ${what}. Check the address and try again.`,
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // An HTML error page from the proxy in front of the server: its status says enough.
  }
  if (!res.ok) {
    const reason = [body.error_description, body.error].find((v) => typeof v === 'string') as
      string | undefined;
    throw new ChannelOAuthError(
      'provider',
      `The Mastodon server refused to ${what} (HTTP ${res.status})${reason ? `: “${reason.slice(0, 300)}”` : '.'}`,
    );
  }
  return body;
}

export async function registerMastodonApp(
  instanceUrl: string,
  input: { clientName: string; redirectUri: string; website?: string },
): Promise<{ clientId: string; clientSecret: string }> {
  const body = await call(
    `${instanceUrl}/api/v1/apps`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_name: input.clientName,
        redirect_uris: input.redirectUri,
        scopes: mastodonScopes,
        ...(input.website ? { website: input.website } : {}),
      }),
    },
    'register Townsquare as an app',
  );
  if (typeof body.client_id !== 'string' || typeof body.client_secret !== 'string')
    throw new ChannelOAuthError(
      'provider',
      'The Mastodon server answered the app registration without a client id.',
    );
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

export function mastodonAuthorizeUrl(
  instanceUrl: string,
  input: { clientId: string; redirectUri: string; state: string; codeChallenge: string },
): string {
  const url = new URL(`${instanceUrl}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    scope: mastodonScopes,
    state: input.state,
    code_challenge: input.codeChallenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

export async function exchangeMastodonCode(
  instanceUrl: string,
  input: { clientId: string; clientSecret: string; redirectUri: string; code: string; codeVerifier: string },
): Promise<{ accessToken: string }> {
  const body = await call(
    `${instanceUrl}/oauth/token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: input.code,
        client_id: input.clientId,
        client_secret: input.clientSecret,
        redirect_uri: input.redirectUri,
        code_verifier: input.codeVerifier,
        scope: mastodonScopes,
      }),
    },
    'give Townsquare access',
  );
  if (typeof body.access_token !== 'string')
    throw new ChannelOAuthError('provider', 'The Mastodon server answered without an access token.');
  return { accessToken: body.access_token };
}
