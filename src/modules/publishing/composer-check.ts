/**
 * What the composer shows beside each channel as the officer types: the count as that channel
 * counts, its limit, the channel's own problems, and the plain-English advice. The same code
 * runs when the post is submitted, so the page and the rule never disagree.
 */
import {
  countGraphemes,
  countMastodon,
  countX,
  type ChannelAccount,
  type ConnectorRegistry,
} from '../channels/index.ts';
import { adviseOn, type Advice, type ElectionSettings } from './checks.ts';

export type ChannelCount = {
  accountId: string;
  name: string;
  count: number;
  limit: number;
  problems: string[];
};

const counterFor = (kind: string) =>
  kind === 'mastodon' ? countMastodon : kind === 'x' ? countX : countGraphemes;

export function checkComposer(
  registry: ConnectorRegistry,
  accounts: readonly ChannelAccount[],
  input: { texts: Record<string, string>; body: string; bodyCy: string; at: Date },
  election: ElectionSettings,
): { channels: ChannelCount[]; advice: Advice; adviceCy: Advice | null } {
  const channels = accounts.flatMap((a) => {
    const text = input.texts[a.id];
    if (text === undefined) return [];
    try {
      const connector = registry.create(a.kind, { settings: a.settings, credentials: {} });
      return [
        {
          accountId: a.id,
          name: a.name,
          count: counterFor(a.kind)(text),
          limit: connector.limits.maxTextLength,
          problems: connector.check({ text, idempotencyKey: 'check' }).map((p) => p.message),
        },
      ];
    } catch {
      return [];
    }
  });
  return {
    channels,
    advice: adviseOn(input.body, election, input.at),
    adviceCy: input.bodyCy ? adviseOn(input.bodyCy, election, input.at) : null,
  };
}
