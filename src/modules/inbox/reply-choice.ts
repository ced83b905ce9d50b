/**
 * How a reply can travel on each channel (public, private, or by email for a web form) and
 * saved replies' placeholders. Pure: pages and the reply service share them.
 */

/** Channels where a reply can go privately (a direct message) instead of in public. */
const privateCapable = new Set(['mastodon', 'facebook', 'instagram', 'x', 'bluesky']);
/** Channels whose every reply is private by nature. */
const alwaysPrivate = new Set(['email', 'notify', 'web']);

export type ReplyChoice = { canChoosePrivate: boolean; isAlwaysPrivate: boolean; via: string };

/**
 * How a reply on this conversation would travel; the page shows it beside the reply box. A web
 * form is answered by email, or by text message when the resident gave only a phone number.
 */
export function replyChoice(
  c: { channel_kind: string; is_private: boolean },
  contact?: { email: string | null; phone: string | null },
): ReplyChoice {
  if (c.channel_kind === 'web')
    return {
      canChoosePrivate: false,
      isAlwaysPrivate: true,
      via: contact && !contact.email && contact.phone ? 'sms' : 'email',
    };
  const isAlwaysPrivate = alwaysPrivate.has(c.channel_kind) || c.is_private;
  return {
    canChoosePrivate: !isAlwaysPrivate && privateCapable.has(c.channel_kind),
    isAlwaysPrivate,
    via: c.channel_kind,
  };
}

/**
 * Fills `{{resident_name}}`, `{{agent_name}}`, `{{council_name}}` and `{{case_reference}}`;
 * an unknown or empty placeholder becomes an empty string.
 * @example renderPlaceholders('Dear {{resident_name}}', { resident_name: 'Sam' }) // 'Dear Sam'
 */
export function renderPlaceholders(template: string, values: Partial<Record<string, string>>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_m, key: string) => values[key] ?? '');
}
