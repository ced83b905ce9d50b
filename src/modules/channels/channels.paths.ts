export const channelPaths = {
  list: '/staff/channels',
  connect: '/staff/channels/connect',
  account: '/staff/channels/:accountId',
  reconnect: '/staff/channels/:accountId/reconnect',
  disconnect: '/staff/channels/:accountId/disconnect',
  oauthStart: '/staff/channels/oauth/start',
  // One fixed callback per provider: the address each provider has on record must not vary.
  oauthCallbacks: {
    mastodon: '/staff/channels/oauth/mastodon/callback',
    x: '/staff/channels/oauth/x/callback',
    meta: '/staff/channels/oauth/meta/callback',
  },
  oauthChoose: '/staff/channels/oauth/choose',
  apiList: '/api/v1/channel-accounts',
} as const;
