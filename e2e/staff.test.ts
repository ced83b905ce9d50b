/**
 * Staff journeys in Chromium, through the real forms, with the Content Security Policy
 * enforced: signing in (and failing to), adding a user, reading the audit log, changing a
 * password and signing out. The sign-in journey runs again with JavaScript off, to prove the
 * pages work without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  clickAndLoad,
  demoAdminEmail,
  pathOf,
  signIn,
  startE2e,
  visit,
  type E2e,
  type WatchedContext,
} from './support/browser.ts';

const newUser = {
  name: 'Sam Example',
  email: 'sam.example@demo.townsquare.test',
  firstPassword: 'bluebell meadow lantern',
  newPassword: 'copper kettle harbour dawn',
};

/** The visible text of an element, whitespace collapsed. */
async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

const navigation = (page: Page) => page.getByRole('navigation', { name: 'Staff console' });

/** Checks the GOV.UK error pattern: `Error:` title, summary linking to the field, message beside it. */
async function assertErrorSummary(page: Page, field: string, message: string): Promise<void> {
  assert.match(await page.title(), /^Error: /);
  const summary = page.locator('.govuk-error-summary');
  assert.equal(await textOf(page, '.govuk-error-summary__title'), 'There is a problem');
  const link = summary.getByRole('link', { name: message });
  assert.equal(await link.getAttribute('href'), `#${field}`);
  assert.equal(await textOf(page, `#${field}-error`), `Error: ${message}`);
}

/** Waits until the focused element matches; govuk-frontend moves focus after load. */
async function waitForFocus(page: Page, selector: string): Promise<void> {
  await page.locator(`${selector}:focus`).waitFor({ timeout: 5000 });
}

describe('staff journeys in Chromium, JavaScript on, CSP enforced', () => {
  let e2e: E2e;
  let admin: WatchedContext;

  before(async () => {
    e2e = await startE2e();
    admin = await e2e.journey();
  });
  after(async () => e2e?.close());

  it('a failed sign-in shows the GOV.UK error summary, focused, linking to the email field', async () => {
    const visitor = await e2e.journey();
    const { page } = visitor;
    await signIn(page, demoAdminEmail, 'not the password');

    assert.equal(pathOf(page), '/staff/sign-in');
    assert.match(await page.title(), /^Error: Sign in – Vale of Chelt Borough Council$/);
    await assertErrorSummary(page, 'email', 'Enter a correct email address and password');
    // govuk-frontend focuses the summary so screen readers announce it first.
    await waitForFocus(page, '.govuk-error-summary');
    assert.equal(await page.getByLabel('Email address').inputValue(), demoAdminEmail, 'the email is kept');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not');

    await page.locator('.govuk-error-summary').getByRole('link').click();
    await waitForFocus(page, '#email');
    visitor.assertClean();
  });

  it('signs the administrator in through the form', async () => {
    const { page } = admin;
    await signIn(page, demoAdminEmail);

    assert.equal(pathOf(page), '/staff');
    assert.equal(await textOf(page, 'h1'), 'Staff console');
    assert.equal(await page.title(), 'Staff console – Vale of Chelt Borough Council');
    const items = await navigation(page).getByRole('link').allInnerTexts();
    for (const item of ['Dashboard', 'Users', 'Audit log', 'Your account'])
      assert.ok(items.includes(item), item);
    // The nonce'd inline script in the GOV.UK template ran, so CSP lets our own scripts through.
    assert.equal(await page.locator('body.govuk-frontend-supported').count(), 1);
    admin.assertClean();
  });

  it('adds a user through the Add a user form', async () => {
    const { page } = admin;
    await clickAndLoad(page, navigation(page).getByRole('link', { name: 'Users' }));
    await clickAndLoad(page, page.getByRole('button', { name: 'Add a user' }));
    assert.equal(pathOf(page), '/staff/users/new');

    await clickAndLoad(page, page.getByRole('button', { name: 'Add user' }));
    await assertErrorSummary(page, 'name', 'Enter a name');
    assert.equal(await page.locator('.govuk-error-summary__list li').count(), 4);

    await page.getByLabel('Full name').fill(newUser.name);
    await page.getByLabel('Email address').fill(newUser.email);
    await page.getByLabel('Contact centre agent').check();
    await page.getByLabel('First password').fill(newUser.firstPassword);
    await clickAndLoad(page, page.getByRole('button', { name: 'Add user' }));

    assert.equal(pathOf(page), '/staff/users?done=user-created');
    assert.match(await textOf(page, '.govuk-notification-banner'), /The user has been created/);
    const row = page.getByRole('row').filter({ hasText: newUser.email });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Sam Example/);
    admin.assertClean();
  });

  it('the audit log shows the sign-in and the new user, and filters by action', async () => {
    const { page } = admin;
    await clickAndLoad(page, navigation(page).getByRole('link', { name: 'Audit log' }));
    assert.equal(await textOf(page, 'h1'), 'Audit log');

    const rows = page.locator('tbody tr');
    const signIns = rows.filter({ hasText: 'session.sign_in' }).filter({ hasText: demoAdminEmail });
    assert.equal(await signIns.count(), 1, 'one sign-in by the administrator');
    const created = rows.filter({ hasText: 'user.created' }).filter({ hasText: newUser.email });
    assert.equal(await created.count(), 1, 'the user added through the form');
    assert.match(
      await created.innerText(),
      new RegExp(demoAdminEmail.replace(/\./g, '\\.')),
      'who added them',
    );
    assert.match(await created.locator('td').nth(4).innerText(), /"role": "agent"/, 'the after state');

    await page.getByLabel('Action').selectOption('session.sign_in');
    await clickAndLoad(page, page.getByRole('button', { name: 'Filter' }));
    assert.match(pathOf(page), /[?&]action=session\.sign_in/);
    const actions = await page.locator('tbody tr td:nth-child(3) .ts-mono').allInnerTexts();
    assert.deepEqual(actions, ['session.sign_in']);
    admin.assertClean();
  });

  it('the new user changes their password, and only the new one works afterwards', async () => {
    const sam = await e2e.journey();
    const { page } = sam;
    await signIn(page, newUser.email, newUser.firstPassword);
    assert.equal(pathOf(page), '/staff');
    const items = await navigation(page).getByRole('link').allInnerTexts();
    assert.ok(items.includes('Your account'));
    assert.ok(!items.includes('Users') && !items.includes('Audit log'), 'an agent sees no admin pages');

    await clickAndLoad(page, navigation(page).getByRole('link', { name: 'Your account' }));
    await clickAndLoad(page, page.getByRole('link', { name: 'Change your password' }));
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill(newUser.newPassword);
    await page.getByLabel('Confirm new password').fill(newUser.newPassword);
    await clickAndLoad(page, page.getByRole('button', { name: 'Change password' }));
    await assertErrorSummary(page, 'currentPassword', 'The current password is not right');
    await waitForFocus(page, '.govuk-error-summary');

    await page.getByLabel('Current password').fill(newUser.firstPassword);
    await page.getByLabel('New password', { exact: true }).fill(newUser.newPassword);
    await page.getByLabel('Confirm new password').fill(newUser.newPassword);
    await clickAndLoad(page, page.getByRole('button', { name: 'Change password' }));
    assert.equal(pathOf(page), '/staff/sign-in?done=password', 'changing the password signs you out');
    assert.match(await textOf(page, '.govuk-notification-banner'), /Your password has been changed/);

    await signIn(page, newUser.email, newUser.firstPassword);
    await assertErrorSummary(page, 'email', 'Enter a correct email address and password');
    await signIn(page, newUser.email, newUser.newPassword);
    assert.equal(pathOf(page), '/staff');
    sam.assertClean();
  });

  it('signs out, and the staff console then asks to sign in again', async () => {
    const { page } = admin;
    await clickAndLoad(page, navigation(page).getByRole('link', { name: 'Your account' }));
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    assert.equal(pathOf(page), '/staff/sign-in');

    await visit(page, '/staff/audit');
    assert.equal(pathOf(page), '/staff/sign-in?returnTo=%2Fstaff%2Faudit');
    admin.assertClean();
  });

  it('notices a Content Security Policy violation (the guard above is live)', async () => {
    const probe = await e2e.journey();
    await visit(probe.page, '/');
    const reported = probe.page.waitForEvent('console', (m) => /Content Security Policy/.test(m.text()));
    // A string, not a function: this project type-checks without the DOM library.
    await probe.page.evaluate(
      `const script = document.createElement('script');
       script.textContent = 'document.title = "injected"';
       document.body.append(script);`,
    );
    await reported;
    assert.notEqual(await probe.page.title(), 'injected', 'the inline script was blocked');
    assert.throws(() => probe.assertClean(), /CSP violation/);
  });
});

describe('staff sign-in in Chromium with JavaScript off', () => {
  let e2e: E2e;
  before(async () => {
    e2e = await startE2e();
  });
  after(async () => e2e?.close());

  it('signs in, fails with the error summary, reaches the page asked for and signs out, all without JavaScript', async () => {
    const noJs = await e2e.journey({ javaScriptEnabled: false });
    const { page } = noJs;
    await visit(page, '/staff/audit');
    assert.equal(pathOf(page), '/staff/sign-in?returnTo=%2Fstaff%2Faudit', 'asked to sign in first');
    // Proof that no script ran: the GOV.UK template's feature class is missing and the
    // password input's Show button, which needs a script, stays hidden.
    assert.equal(await page.locator('body.govuk-frontend-supported').count(), 0);
    assert.equal(await page.locator('.govuk-password-input__toggle').isHidden(), true);

    await signIn(page, demoAdminEmail, 'not the password');
    await assertErrorSummary(page, 'email', 'Enter a correct email address and password');
    assert.equal(await page.getByLabel('Email address').inputValue(), demoAdminEmail);

    await signIn(page, demoAdminEmail);
    assert.equal(pathOf(page), '/staff/audit', 'back to the page asked for');
    assert.equal(await textOf(page, 'h1'), 'Audit log');
    assert.equal(await page.locator('tbody tr').filter({ hasText: 'session.sign_in' }).count(), 1);

    await clickAndLoad(page, navigation(page).getByRole('link', { name: 'Your account' }));
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    assert.equal(pathOf(page), '/staff/sign-in');
    await visit(page, '/staff');
    assert.equal(pathOf(page), '/staff/sign-in?returnTo=%2Fstaff');
    noJs.assertClean();
  });
});
