/**
 * Checks a resident's message, with GOV.UK-style messages. Shared by the form and the API so
 * both accept exactly the same things.
 */
export type ContactInput = { name: string; email: string; phone: string; message: string };
export type ContactErrors = Partial<Record<keyof ContactInput, string>>;

export const maxMessageChars = 5000;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** UK numbers: 01632 960 001, 07700 900 982, +44 7700 900 982, with spaces, dashes or brackets. */
export function isUkPhone(value: string): boolean {
  const digits = value.replace(/[\s()-]/gu, '');
  return /^(?:\+44|0044|0)\d{9,10}$/u.test(digits);
}

export function validateContact(input: ContactInput): ContactErrors {
  const errors: ContactErrors = {};
  const name = input.name.trim();
  const email = input.email.trim();
  const phone = input.phone.trim();
  const message = input.message.trim();
  if (!name) errors.name = 'Enter your name';
  else if (name.length > 100) errors.name = 'Name must be 100 characters or fewer';
  if (!email && !phone) errors.email = 'Enter an email address or a phone number so we can reply to you';
  if (email && (email.length > 254 || !emailPattern.test(email)))
    errors.email = 'Enter an email address in the correct format, like name@example.com';
  if (phone && !isUkPhone(phone))
    errors.phone = 'Enter a UK phone number, like 01632 960 001 or 07700 900 982';
  if (!message) errors.message = 'Enter your message';
  else if (message.length > maxMessageChars)
    errors.message = `Message must be ${maxMessageChars.toLocaleString('en-GB')} characters or fewer`;
  return errors;
}
