/**
 * The networks whose accounts connect by OAuth sign-in, each a contract server on loopback:
 * Mastodon, X, and Meta's Graph API (Facebook Pages and Instagram), with the configuration
 * that points Townsquare's OAuth clients at them. The set-up the staff console's OAuth tests
 * (test/channels/oauth-console.test.ts) and the browser journey (e2e/channels.test.ts) share.
 */
import { GraphContractServer } from '../peers/graph/server.ts';
import { startMastodonServer, type MastodonServer } from '../peers/mastodon/server.ts';
import { startXServer, type XServer } from '../peers/x/server.ts';
import { startTogether } from './start-together.ts';

export type OAuthPeers = {
  mastodon: MastodonServer;
  x: XServer;
  graph: GraphContractServer;
  /** Configuration for startTestApp or startE2e: X switched on, X's and Meta's clients aimed here. */
  env: Record<string, string>;
  /**
   * Lets the networks send officers back to Townsquare at `origin`, as the redirect URIs listed
   * in a real app's settings at X and at Meta would (Mastodon registers its app per council).
   */
  allowCallbacksTo: (origin: string) => void;
  close: () => Promise<void>;
};

/**
 * @example
 * const peers = await startOAuthPeers();
 * const ctx = await startTestApp(peers.env);
 * peers.allowCallbacksTo('http://harbour.test');
 */
export async function startOAuthPeers(): Promise<OAuthPeers> {
  const [mastodon, x, graph] = await startTogether([
    startMastodonServer(),
    startXServer(),
    new GraphContractServer().start(),
  ]);
  return {
    mastodon,
    x,
    graph,
    env: {
      TOWNSQUARE_ENABLE_X: 'true',
      TOWNSQUARE_X_CLIENT_ID: x.oauthClient.clientId,
      TOWNSQUARE_X_CLIENT_SECRET: x.oauthClient.clientSecret,
      TOWNSQUARE_X_AUTHORIZE_URL: `${x.baseUrl}/i/oauth2/authorize`,
      TOWNSQUARE_X_API_URL: x.baseUrl,
      TOWNSQUARE_META_APP_ID: graph.appId,
      TOWNSQUARE_META_APP_SECRET: graph.appSecret,
      TOWNSQUARE_META_DIALOG_URL: `${graph.baseUrl}/v21.0/dialog/oauth`,
      TOWNSQUARE_META_GRAPH_URL: graph.baseUrl,
    },
    allowCallbacksTo: (origin) => {
      x.allowRedirectUri(`${origin}/staff/channels/oauth/x/callback`);
      graph.redirectUris.add(`${origin}/staff/channels/oauth/meta/callback`);
    },
    close: async () => {
      await Promise.allSettled([mastodon.close(), x.close(), graph.close()]);
    },
  };
}
