/**
 * The test set-up both Meta connectors (Facebook Page, Instagram) share: a Graph contract
 * server whose Page has the app's webhooks installed, the connector under test wired to it,
 * a loopback receiver handing webhook deliveries to that connector, and the contract-suite
 * harness over the same server.
 */
import { createHmac } from 'node:crypto';
import type { CanHandleWebhook, ChannelConnector } from '../../../src/modules/channels/index.ts';
import type { Harness } from '../../channels/contract-suite.ts';
import { startReceiver } from '../../channels/webhook-receiver.ts';
import { GraphContractServer } from './server.ts';

type MetaConnectorUnderTest = ChannelConnector & CanHandleWebhook;

/** What either connector needs to reach this server as the council's Page. */
export const graphAccess = (server: GraphContractServer, verifyToken: string) => ({
  pageId: server.pageId,
  accessToken: server.accessToken,
  appSecret: server.appSecret,
  verifyToken,
  baseUrl: server.baseUrl,
  timeoutMs: 1000,
});

const startServer = () => new GraphContractServer({ subscribedFields: ['feed', 'messages'] }).start();

/** The shared contract suite's harness for one Meta connector. */
export function graphHarness(
  name: string,
  image: NonNullable<Harness['image']>,
  connect: (server: GraphContractServer) => ChannelConnector,
): Harness {
  return {
    name,
    image,
    async start() {
      const server = await startServer();
      return {
        connector: connect(server),
        peer: {
          read: async (ref) => {
            const o = server.objects.get(ref.id);
            return o && !o.deleted
              ? { text: o.text, altTexts: o.altTexts, ...(o.parentId ? { inReplyTo: o.parentId } : {}) }
              : undefined;
          },
          countContaining: async (m) => server.countContaining(m),
          injectFault: async (f) => server.injectFault(f),
        },
        close: () => server.close(),
      };
    },
  };
}

/** The server, the connector and a webhook receiver feeding it, for a network's own tests. */
export async function startGraphPeer<C extends MetaConnectorUnderTest>(
  connect: (server: GraphContractServer) => C,
) {
  const server = await startServer();
  const connector = connect(server);
  const receiver = await startReceiver((r) => connector.handleWebhook(r));
  return {
    server,
    connector,
    receiver,
    close: async () => {
      await receiver.close();
      await server.close();
    },
  };
}

/**
 * POSTs these exact bytes with a valid `X-Hub-Signature-256`, as Meta would sign whatever it
 * sends: an authentic body the connector must not trust to be well formed.
 */
export function postSigned(url: string, appSecret: string, body: string): Promise<Response> {
  const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  return fetch(url, { method: 'POST', headers: { 'x-hub-signature-256': signature }, body });
}
