import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'cheerio';
import { Browser, createCouncilWithStaff, startTestApp, type TestContext } from './support/app.ts';

describe('staff sign-in', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await startTestApp();
    await createCouncilWithStaff(ctx.services, 'north-vale');
  });
  after(async () => ctx.close());

  it('signs in with the right password and lands on the staff console', async () => {
    const browser = new Browser(ctx.app, 'north-vale.test');
    const res = await browser.signIn('admin@north-vale.test');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/staff');
    const page = await browser.get('/staff');
    assert.equal(page.statusCode, 200);
    assert.equal(load(page.body)('h1').text().trim(), 'Staff console');
  });

  it('shows the GOV.UK error summary and keeps the email on a wrong password', async () => {
    const browser = new Browser(ctx.app, 'north-vale.test');
    const res = await browser.signIn('admin@north-vale.test', 'not the password');
    assert.equal(res.statusCode, 400);
    const $ = load(res.body);
    assert.match($('title').text(), /^Error: /);
    assert.equal($('.govuk-error-summary__list a').attr('href'), '#email');
    assert.equal(
      $('.govuk-error-summary__list a').text().trim(),
      'Enter a correct email address and password',
    );
    assert.equal($('#email').attr('value'), 'admin@north-vale.test');
  });

  it('refuses a form posted without the CSRF token', async () => {
    const browser = new Browser(ctx.app, 'north-vale.test');
    const res = await browser.post('/staff/sign-in', { email: 'admin@north-vale.test', password: 'x' });
    assert.equal(res.statusCode, 403);
  });
});
