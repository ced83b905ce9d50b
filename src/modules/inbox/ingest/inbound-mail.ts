/**
 * Townsquare's inbound mail listener for every council: mail to `<council slug>@<inbound
 * domain>` lands in that council's inbox. The SMTP 250 is given only after the message is
 * committed (the listener waits for `onMessage`), so a sender whose mail was accepted can
 * rely on it; a storage failure answers 451 and the sender retries.
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
  const server = await startInboundSmtp({
    port: opts.port,
    host: opts.host ?? '0.0.0.0',
    acceptDomains: [domain],
    serverName: domain,
    onError: (error) => opts.log.error({ err: error }, 'inbound mail could not be stored'),
    onMessage: async (batch, envelope) => {
      const slugs = new Set(
        envelope.rcptTo
          .filter((a) => a.toLowerCase().endsWith(`@${domain}`))
          .map((a) => a.slice(0, a.lastIndexOf('@')).toLowerCase()),
      );
      let delivered = 0;
      for (const slug of slugs) {
        const councilId = await opts.councilBySlug(slug);
        if (!councilId) continue;
        await opts.ingest.ingest(councilId, { kind: 'email', accountId: null }, batch);
        delivered += 1;
      }
      // Mail to an address no council uses is accepted and logged (the listener checks only the
      // domain at RCPT TO); it is not stored in any council's inbox.
      if (delivered === 0)
        opts.log.warn({ recipients: envelope.rcptTo.length }, 'inbound mail for no known council');
    },
  });
  opts.log.info({ port: server.port, domain }, 'inbound mail listener started');
  return server;
}
