/**
 * A council ready to talk on its channels, for the browser journeys of the inbox, meetings and
 * publishing: the whole app (startE2e) with its job queue working; beside it a real local
 * Bluesky PDS (@atproto/dev-env, test/peers/bluesky) holding the council's own account, an SMTP
 * sink, and the Mastodon and Graph API (Facebook) contract servers; the seeded demo council or
 * one made here with its own staff; channel accounts connected on those peers as the console
 * would; officers signed in through the real form.
 *
 * The journey that connects accounts through the console's forms (e2e/inbox-channels.test.ts)
 * takes the peers and the council from here and connects nothing with `connect`.
 */
import assert from 'node:assert/strict';
import type { Actor, Role, StaffUser } from '../../src/modules/accounts/index.ts';
import type { CouncilSettings } from '../../src/modules/councils/index.ts';
import { demoCouncil } from '../../src/demo/seed.ts';
import { startBlueskyPeer, type BlueskyPeer, type PeerAccount } from '../../test/peers/bluesky/index.ts';
import { GraphContractServer } from '../../test/peers/graph/server.ts';
import { startMastodonServer, type MastodonServer } from '../../test/peers/mastodon/server.ts';
import { startSmtpSink, type SmtpSink } from '../../test/peers/smtp-sink.ts';
import { startTogether } from '../../test/support/start-together.ts';
import {
  demoAdminEmail,
  demoPassword,
  signIn,
  startE2e,
  visit,
  type E2e,
  type WatchedContext,
} from './browser.ts';

export type ChannelPeers = {
  /** A real PDS and PLC directory. */
  pds: BlueskyPeer;
  /** Where the council's outgoing email lands, to be read back. */
  smtp: SmtpSink;
  mastodon: MastodonServer;
  /** Meta's Graph API, playing a Facebook Page named after the council. */
  graph: GraphContractServer;
};

export type CouncilSpec = {
  slug: string;
  name: string;
  nameCy?: string;
  settings?: CouncilSettings;
  /** Each one's password is demoPassword. The first connects the channels, so is an admin. */
  staff: { email: string; name: string; role: Role }[];
};

export type CouncilWithChannelsOptions = {
  /** A council to make; without one, the demo council that startE2e seeds. */
  council?: CouncilSpec;
  /** The handle of the council's own account on the PDS. */
  blueskyHandle?: string;
  /** Configuration that needs the peers' addresses: the app then starts once they are up. */
  env?: (peers: ChannelPeers) => Record<string, string>;
};

/** An account on one of the peers; the settings and credentials come from the peer. */
export type ChannelToConnect =
  | {
      kind: 'bluesky';
      name: string;
      /** Also read posts carrying meeting hashtags. */ watchHashtags?: boolean;
    }
  | { kind: 'email'; name: string; /** The From address of the council's mail. */ address: string }
  | { kind: 'mastodon'; name: string }
  | { kind: 'facebook'; name: string; verifyToken: string };

export type CouncilWithChannels = {
  e2e: E2e;
  peers: ChannelPeers;
  councilId: string;
  /** The path prefix of the council's pages: '' for the demo council (the default), else `/c/<slug>`. */
  base: string;
  /** The demo administrator alone, or the spec's staff in its order. */
  staff: StaffUser[];
  /** The council's own account on the PDS. */
  bluesky: PeerAccount;
  /** Connects an account on a peer in the first staff member's name, as the console would; returns its id. */
  connect: (channel: ChannelToConnect) => Promise<string>;
  /** A journey context (CSP enforced) signed in as `email` through the council's sign-in form. */
  signedIn: (email: string) => Promise<WatchedContext>;
  close: () => Promise<void>;
};

/**
 * @example
 * const town = await startCouncilWithChannels();
 * await town.connect({ kind: 'email', name: 'Council email', address: 'contact@demo.townsquare.test' });
 * const { page } = await town.signedIn(demoAdminEmail);
 */
export async function startCouncilWithChannels(
  options: CouncilWithChannelsOptions = {},
): Promise<CouncilWithChannels> {
  const pageName = options.council?.name ?? demoCouncil.name;
  const { env } = options;
  // The app starts alongside the peers unless its configuration needs their addresses.
  let e2e: E2e;
  let peers: RunningPeers;
  if (env) {
    peers = await startPeers(pageName);
    e2e = await startE2e(env(peers)).catch(async (error: unknown) => {
      await peers.close();
      throw error;
    });
  } else {
    [e2e, peers] = await startTogether([startE2e(), startPeers(pageName)]);
  }
  const close = async () => {
    await Promise.allSettled([e2e.close(), peers.close()]);
  };
  try {
    const { services } = e2e.app;
    await services.jobs.start({ work: true });
    const { councilId, staff, base } = options.council
      ? await makeCouncil(e2e, options.council)
      : await seededDemoCouncil(e2e);
    const admin = staff[0]!;
    assert.equal(admin.role, 'admin', 'the first of the staff connects the channels');
    const asAdmin: Actor = { councilId, userId: admin.id, label: admin.email };
    const bluesky = await peers.pds.createAccount(options.blueskyHandle ?? 'council.test');
    return {
      e2e,
      peers,
      councilId,
      base,
      staff,
      bluesky,
      connect: async (channel) =>
        (
          await services.channelAccounts.connect(asAdmin, {
            kind: channel.kind,
            name: channel.name,
            ...onPeer(channel, peers, bluesky),
          })
        ).id,
      signedIn: async (email) => {
        const watched = await e2e.journey();
        await visit(watched.page, `${base}/staff/sign-in`);
        await signIn(watched.page, email);
        assert.equal(new URL(watched.page.url()).pathname, `${base}/staff`, `${email} could not sign in`);
        return watched;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

type RunningPeers = ChannelPeers & { close: () => Promise<void> };

async function startPeers(pageName: string): Promise<RunningPeers> {
  const [pds, smtp, mastodon, graph] = await startTogether([
    startBlueskyPeer(),
    startSmtpSink(),
    startMastodonServer(),
    new GraphContractServer({ pageName }).start(),
  ]);
  return {
    pds,
    smtp,
    mastodon,
    graph,
    close: async () => {
      await Promise.allSettled([pds.close(), smtp.close(), mastodon.close(), graph.close()]);
    },
  };
}

type CouncilAndStaff = { councilId: string; staff: StaffUser[]; base: string };

async function makeCouncil(e2e: E2e, { staff: people, ...council }: CouncilSpec): Promise<CouncilAndStaff> {
  const { services } = e2e.app;
  const councilId = (await services.councils.create(council)).id;
  const setUp: Actor = { councilId, userId: null, label: 'e2e set-up' };
  const staff: StaffUser[] = [];
  for (const person of people)
    staff.push(await services.accounts.createUser(setUp, { ...person, password: demoPassword }));
  // 127.0.0.1 is no council's host name: a council other than the default is reached by path.
  return { councilId, staff, base: `/c/${council.slug}` };
}

async function seededDemoCouncil(e2e: E2e): Promise<CouncilAndStaff> {
  const { services } = e2e.app;
  const council = await services.councils.findBySlug(demoCouncil.slug);
  assert.ok(council, 'startE2e seeds the demo council');
  const admin = await services.accounts.findUserByEmail(council.id, demoAdminEmail);
  assert.ok(admin, 'the demo council has its administrator');
  return { councilId: council.id, staff: [admin], base: '' };
}

function onPeer(
  channel: ChannelToConnect,
  peers: ChannelPeers,
  bluesky: PeerAccount,
): { settings: Record<string, string>; credentials: Record<string, string> } {
  switch (channel.kind) {
    case 'bluesky':
      return {
        settings: {
          service: peers.pds.pdsUrl,
          identifier: bluesky.handle,
          inbound: 'pds-scan',
          ...(channel.watchHashtags ? { watchHashtags: 'yes' } : {}),
        },
        credentials: { appPassword: bluesky.appPassword },
      };
    case 'email':
      return {
        settings: {
          host: peers.smtp.host,
          port: String(peers.smtp.port),
          address: channel.address,
          requireTls: 'no',
          user: peers.smtp.user,
        },
        credentials: { pass: peers.smtp.pass },
      };
    case 'mastodon':
      return {
        settings: { baseUrl: peers.mastodon.baseUrl },
        credentials: { accessToken: peers.mastodon.token },
      };
    case 'facebook':
      return {
        settings: { pageId: peers.graph.pageId, baseUrl: peers.graph.baseUrl },
        credentials: {
          accessToken: peers.graph.accessToken,
          appSecret: peers.graph.appSecret,
          verifyToken: channel.verifyToken,
        },
      };
  }
}
