export const channelPaths = {
  list: '/staff/channels',
  connect: '/staff/channels/connect',
  account: '/staff/channels/:accountId',
  reconnect: '/staff/channels/:accountId/reconnect',
  disconnect: '/staff/channels/:accountId/disconnect',
  apiList: '/api/v1/channel-accounts',
} as const;
