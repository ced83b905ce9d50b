/**
 * The `townsquare` command line.
 */
import { Command, Option } from 'commander';
import { ConfigError } from './config.ts';
import { runService, withServices } from './runtime.ts';
import { demoBanner, seedDemo } from './demo/seed.ts';
import { roles, type Actor } from './modules/accounts/index.ts';
import { randomBytes } from 'node:crypto';

const program = new Command()
  .name('townsquare')
  .description('Townsquare: the public conversation of a council, on one open-source platform.')
  .showHelpAfterError();

program
  .command('all')
  .description('run the web server and the job worker in one process (what npm start runs)')
  .action(() => runService({ web: true, worker: true }));

program
  .command('serve')
  .description('run the web server only (queue jobs, do not run them)')
  .action(() => runService({ web: true, worker: false }));

program
  .command('worker')
  .description('run the job worker only')
  .action(() => runService({ web: false, worker: true }));

program
  .command('migrate')
  .description('apply pending database migrations, then exit')
  .action(() =>
    withServices(async () => {
      process.stdout.write('Database is up to date.\n');
    }),
  );

program
  .command('triage')
  .description(
    'classify JSON lines {"id","text"} from standard input; writes one JSON line per input, in order',
  )
  .action(async () => {
    // No database: triage is pure computation over the committed model and gazetteer.
    const { runTriageCli } = await import('./modules/inbox/index.ts');
    await runTriageCli(process.stdin, process.stdout);
  });

program
  .command('seed-demo')
  .description('create the demo council and its staff if they do not exist')
  .action(() =>
    withServices(async (services, config) => {
      const result = await seedDemo(services);
      process.stdout.write(
        result.created
          ? demoBanner(result, `http://localhost:${config.port}`)
          : 'The demo council already exists.\n',
      );
    }),
  );

program
  .command('council')
  .description('manage councils')
  .command('create')
  .description('create a council')
  .requiredOption('--slug <slug>', 'short name used in URLs, like north-vale')
  .requiredOption('--name <name>', 'full name, like North Vale District Council')
  .option('--host <hostname...>', 'host names that serve this council')
  .option('--email <email>', 'public contact email address')
  .action((opts: { slug: string; name: string; host?: string[]; email?: string }) =>
    withServices(async (services) => {
      const council = await services.councils.create({
        slug: opts.slug,
        name: opts.name,
        hostnames: opts.host,
        contactEmail: opts.email,
      });
      process.stdout.write(`Created council ${council.name} (${council.slug}).\n`);
    }),
  );

const user = program.command('user').description('manage staff users');
user
  .command('create')
  .description('create a staff user; prints a generated password unless --password is given')
  .requiredOption('--council <slug>', 'the council')
  .requiredOption('--email <email>', 'their email address')
  .requiredOption('--name <name>', 'their full name')
  .addOption(new Option('--role <role>', 'their role').choices(roles).makeOptionMandatory())
  .option('--password <password>', 'first password (12 characters or more)')
  .action((opts: { council: string; email: string; name: string; role: string; password?: string }) =>
    withServices(async (services) => {
      const council = await requireCouncil(services.councils, opts.council);
      const password = opts.password ?? randomBytes(12).toString('base64url');
      const actor: Actor = { councilId: council.id, userId: null, label: 'cli' };
      const created = await services.accounts.createUser(actor, { ...opts, password });
      process.stdout.write(`Created ${created.email} (${created.role}) in ${council.name}.\n`);
      if (!opts.password) process.stdout.write(`Password (shown once): ${password}\n`);
    }),
  );

program
  .command('token')
  .description('manage personal API tokens')
  .command('create')
  .description('create a bearer API token for a staff user and print it')
  .requiredOption('--council <slug>', 'the council')
  .requiredOption('--email <email>', 'the staff user')
  .option('--name <name>', 'what the token is for', 'Created on the command line')
  .action((opts: { council: string; email: string; name: string }) =>
    withServices(async (services) => {
      const council = await requireCouncil(services.councils, opts.council);
      const staff = await services.accounts.findUserByEmail(council.id, opts.email);
      if (!staff) throw new CliError(`There is no staff user ${opts.email} in ${council.slug}`);
      const actor: Actor = { councilId: council.id, userId: staff.id, label: `cli as ${staff.email}` };
      const { token } = await services.accounts.createApiToken(actor, opts.name);
      process.stdout.write(`${token}\n`);
    }),
  );

class CliError extends Error {
  readonly kind = 'cli';
}

async function requireCouncil(
  councils: { findBySlug(s: string): Promise<{ id: string; name: string; slug: string } | undefined> },
  slug: string,
) {
  const council = await councils.findBySlug(slug);
  if (!council) throw new CliError(`There is no council with slug ${slug}`);
  return council;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  const known =
    error instanceof ConfigError || error instanceof CliError || (error as { kind?: string })?.kind;
  process.stderr.write(`${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
