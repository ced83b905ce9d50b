/**
 * Townsquare's inbound mail listener for every council: mail to `<council slug>@<inbound
 * domain>` lands in that council's inbox. The SMTP 250 is given only after the message is
 * committed (the listener waits for `onMessage`), so a sender whose mail was accepted can
 * rely on it; a storage failure answers 451 and the sender retries. Mail for a slug no
 * council uses is refused at RCPT TO with 550, so it is never accepted and then kept nowhere.
 */
import { startInboundSmtp } from '../../channels/index.ts';

export type InboundMailServer = Awaited<ReturnType<typeof startInboundSmtp>>;
import type { Logger } from '../../../logger.ts';
import type { IngestService } from './ingest.service.ts';

export type InboundMailOptions = {
  port: number;
  host?: string;
  domain: string;
  /** The council id for a slug, or undefined when there is no such council. */
  councilBySlug: (slug: string) => Promise<string | undefined>;
  ingest: IngestService;
  log: Logger;
};

export async function startInboundMail(opts: InboundMailOptions): Promise<InboundMailServer> {
  const domain = opts.domain.toLowerCase();
  const slugOf = (address: string) => address.slice(0, address.lastIndexOf('@')).toLowerCase();
  const server = await startInboundSmtp({
    port: opts.port,
    host: opts.host ?? '0.0.0.0',
    acceptDomains: [domain],
    acceptRecipient: async (address) => (await opts.councilBySlug(slugOf(address))) !== undefined,
    serverName: domain,
    onError: (error) => opts.log.error({ err: error }, 'inbound mail could not be stored'),
    onMessage: async (batch, envelope) => {
      const slugs = new Set(
        envelope.rcptTo.filter((a) => a.toLowerCase().endsWith(`@${domain}`)).map(slugOf),
      );
      let delivered = 0;
      for (const slug of slugs) {
        const councilId = await opts.councilBySlug(slug);
        if (!councilId) continue;
        await opts.ingest.ingest(councilId, { kind: 'email', accountId: null }, batch);
        delivered += 1;
      }
      // Unknown slugs were refused at RCPT TO; this is only a council removed since then.
      if (delivered === 0)
        opts.log.warn({ recipients: envelope.rcptTo.length }, 'inbound mail for no known council');
    },
  });
  opts.log.info({ port: server.port, domain }, 'inbound mail listener started');
  return server;
}
