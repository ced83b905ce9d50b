/**
 * The demo council: an invented council, Vale of Chelt Borough Council, over real open
 * geography (Cheltenham's postcodes and wards from OS Code-Point Open). Everything here is
 * written by the project. Seeding is idempotent: a council that exists is left alone.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Services } from '../container.ts';
import type { Actor } from '../modules/accounts/index.ts';
import { seedDraftingDemo, seedPublishingDemo } from '../modules/publishing/index.ts';
import { seedDemoMeetings } from '../modules/meetings/index.ts';
import { seedInboxDemo } from '../modules/inbox/index.ts';

export const demoCouncil = {
  slug: 'demo',
  name: 'Vale of Chelt Borough Council',
  nameCy: 'Cyngor Bwrdeistref Dyffryn Chelt',
  hostnames: ['demo.townsquare.test'],
  brandColour: '#00703c',
  contactEmail: 'contact@demo.townsquare.test',
} as const;

export const demoAdminEmail = 'admin@demo.townsquare.test';

const demoStaff = [
  { email: 'priya.comms@demo.townsquare.test', name: 'Priya Shah', role: 'comms' },
  { email: 'tom.agent@demo.townsquare.test', name: 'Tom Hughes', role: 'agent' },
  { email: 'grace.moderator@demo.townsquare.test', name: 'Grace Okafor', role: 'moderator' },
  { email: 'dan.manager@demo.townsquare.test', name: 'Dan Price', role: 'manager' },
] as const;

const logoFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../public/demo-council-logo.svg',
);

export type SeedResult = { created: boolean; password?: string; isGeneratedPassword: boolean };

export async function seedDemo(services: Services): Promise<SeedResult> {
  if (await services.councils.findBySlug(demoCouncil.slug))
    return { created: false, isGeneratedPassword: false };
  const isGeneratedPassword = !services.config.demoPassword;
  const password = services.config.demoPassword ?? randomBytes(12).toString('base64url');
  const logoSvg = await fs.readFile(logoFile, 'utf8').catch(() => undefined);
  const council = await services.councils.create({
    ...demoCouncil,
    hostnames: [...demoCouncil.hostnames],
    logoSvg,
    settings: { tagline: 'Serving the Vale of Chelt since 1974', isBilingual: false },
  });
  const system: Actor = { councilId: council.id, userId: null, label: 'system (demo seed)' };
  const admin = await services.accounts.createUser(system, {
    email: demoAdminEmail,
    name: 'Alex Morgan',
    role: 'admin',
    password,
  });
  const asAdmin: Actor = { councilId: council.id, userId: admin.id, label: admin.email };
  for (const person of demoStaff) await services.accounts.createUser(asAdmin, { ...person, password });
  await seedPublishingDemo(services.db.system, council.id, admin.id);
  await seedDraftingDemo(services.publishing, { actor: asAdmin, role: 'admin' });
  await seedInboxDemo(services.db.system, council.id, admin.id);
  // Two of the meeting's questions come through the inbox, as a resident's post and text would.
  await seedDemoMeetings(services.meetings, asAdmin, async (kind, items) => {
    await services.ingest.ingest(
      council.id,
      { kind, accountId: null },
      { items, cursor: undefined, malformed: [] },
    );
    await services.ingest.processPending(council.id);
  });
  return { created: true, password, isGeneratedPassword };
}

/** Printed once, on the start that created the demo council; never logged. */
export function demoBanner(result: SeedResult, baseUrl: string): string {
  if (!result.created) return '';
  const lines = [
    `Demo council created: ${demoCouncil.name}`,
    `Staff console: ${baseUrl}/staff`,
    `Sign in as ${demoAdminEmail}`,
    result.isGeneratedPassword
      ? `Password (shown once, for every demo staff account): ${result.password}`
      : 'Password: the value of TOWNSQUARE_DEMO_PASSWORD (every demo staff account)',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '+' + '-'.repeat(width + 2) + '+';
  return [bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar].join('\n') + '\n';
}
