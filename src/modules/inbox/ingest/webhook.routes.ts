/**
 * Public webhook endpoints for networks that push: Facebook and Instagram (Meta signs each
 * delivery with the app secret) and GOV.UK Notify (inbound texts and delivery receipts, with a
 * bearer token). The signature covers the exact bytes sent, so these routes keep the raw body
 * (a content-type parser in this plugin's scope only). A forged delivery is answered 401 and
 * logged without its body; an authentic one is stored durably before the 200 that tells the
 * network not to send it again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  canHandleWebhook,
  ChannelAccountError,
  ChannelError,
  NotifyConnector,
  type ChannelAccountsService,
  type ChannelConnector,
  type WebhookRequest,
} from '../../channels/index.ts';
import { withCouncil, type Db } from '../../../db/index.ts';
import type { IngestService } from './ingest.service.ts';

export const webhookPaths = {
  facebook: '/webhooks/facebook/:accountId',
  instagram: '/webhooks/instagram/:accountId',
  notifyInbound: '/webhooks/notify/:accountId/inbound-sms',
  notifyDelivery: '/webhooks/notify/:accountId/delivery-status',
} as const;

type Params = { Params: { accountId: string } };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

function webhookRequest(request: FastifyRequest): WebhookRequest {
  return {
    method: request.method,
    headers: request.headers,
    query: Object.fromEntries(
      Object.entries((request.query ?? {}) as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    ),
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
  };
}

export function registerWebhookRoutes(
  app: FastifyInstance,
  deps: { channelAccounts: ChannelAccountsService; ingest: IngestService; db: Db },
): void {
  const { channelAccounts, ingest } = deps;

  /** The account's live connector, or the reply already sent (404 unknown, 503 needs reconnecting). */
  async function connectorOf(
    request: FastifyRequest<Params>,
    reply: FastifyReply,
    kind: string,
  ): Promise<ChannelConnector | undefined> {
    const { accountId } = request.params;
    if (!uuidPattern.test(accountId)) {
      await reply.code(404).send();
      return undefined;
    }
    try {
      const { account, connector } = await channelAccounts.connectorFor(request.council.id, accountId);
      if (account.kind === kind) return connector;
    } catch (error) {
      if (error instanceof ChannelError && error.kind === 'auth_expired') {
        // The network retries for hours; the officers see the account needs reconnecting.
        await reply.code(503).header('retry-after', '300').send();
        return undefined;
      }
      if (!(error instanceof ChannelAccountError)) throw error;
    }
    await reply.code(404).send();
    return undefined;
  }

  function rejected(request: FastifyRequest<Params>, reply: FastifyReply, kind: string, error: unknown) {
    if (!(error instanceof ChannelError) || error.kind !== 'rejected') throw error;
    // Never the payload: a forged body is attacker-controlled and may carry personal data.
    request.log.warn(
      { accountId: request.params.accountId, channel: kind, reason: error.message },
      'webhook delivery rejected',
    );
    return reply.code(error.status === 403 ? 403 : 401).send();
  }

  const receive = (kind: 'facebook' | 'instagram' | 'notify') =>
    async function (request: FastifyRequest<Params>, reply: FastifyReply) {
      const connector = await connectorOf(request, reply, kind);
      if (!connector) return reply;
      if (!canHandleWebhook(connector)) return reply.code(404).send();
      let result;
      try {
        result = await connector.handleWebhook(webhookRequest(request));
      } catch (error) {
        return rejected(request, reply, kind, error);
      }
      if (result.kind === 'challenge') return reply.type('text/plain; charset=utf-8').send(result.body);
      await ingest.ingest(request.council.id, { kind, accountId: request.params.accountId }, result.batch);
      return reply.code(200).type('text/plain; charset=utf-8').send('ok');
    };

  const deliveryStatus = async (request: FastifyRequest<Params>, reply: FastifyReply) => {
    const connector = await connectorOf(request, reply, 'notify');
    if (!connector) return reply;
    if (!(connector instanceof NotifyConnector)) return reply.code(404).send();
    let result;
    try {
      result = await connector.handleDeliveryStatus(webhookRequest(request));
    } catch (error) {
      return rejected(request, reply, 'notify', error);
    }
    if ('malformed' in result) {
      // Kept with the inbound events so an officer can see what Notify sent.
      await ingest.ingest(
        request.council.id,
        { kind: 'notify', accountId: request.params.accountId },
        { items: [], cursor: undefined, malformed: [result.malformed] },
      );
      return reply.code(200).send('ok');
    }
    const r = result.receipt;
    const isDelivered = r.status === 'delivered';
    await withCouncil(deps.db, request.council.id, (tx) =>
      tx
        .updateTable('messages')
        .set({
          delivery_status: isDelivered ? 'delivered' : 'failed',
          delivery_error: isDelivered ? null : r.explanation,
        })
        .where('external_id', '=', r.notificationId)
        .where('direction', '=', 'out')
        .execute(),
    );
    return reply.code(200).send('ok');
  };

  void app.register(async (scope) => {
    // Signatures are over the exact bytes: every body stays a Buffer here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) =>
      done(null, body),
    );
    const hide = { schema: { hide: true } };
    for (const kind of ['facebook', 'instagram'] as const) {
      scope.get<Params>(webhookPaths[kind], hide, receive(kind));
      scope.post<Params>(webhookPaths[kind], hide, receive(kind));
    }
    scope.post<Params>(webhookPaths.notifyInbound, hide, receive('notify'));
    scope.post<Params>(webhookPaths.notifyDelivery, hide, deliveryStatus);
  });
}
