/**
 * Why an OAuth sign-in did not connect an account, in words an officer can act on. Nothing is
 * stored when one of these is thrown.
 */
export type OAuthFailure =
  | 'validation'
  | 'not_configured'
  | 'denied'
  | 'bad_state'
  | 'replayed'
  | 'expired'
  | 'provider'
  | 'not_found';

export class ChannelOAuthError extends Error {
  constructor(
    readonly failure: OAuthFailure,
    message: string,
    readonly fieldErrors: Partial<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const oauthMessages: Record<Exclude<OAuthFailure, 'validation' | 'provider'>, string> = {
  not_configured: 'This deployment has no app registered with that network, so it cannot sign in there.',
  denied: 'You chose not to allow Townsquare to use the account, so nothing was connected.',
  bad_state:
    'This sign-in link was not started by you in this browser session, so it was not used. Start again from the channels page.',
  replayed: 'This sign-in link has already been used. Start again from the channels page.',
  expired: 'This sign-in took too long and has expired. Start again from the channels page.',
  not_found: 'There is no sign-in in progress to finish. Start again from the channels page.',
};
