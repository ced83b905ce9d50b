/**
 * Review fixes in the channels module that need no database: sealed credentials refuse a
 * shortened GCM tag, and one odd notification id cannot stall Mastodon's inbound polling.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialBox, MastodonConnector } from '../src/modules/channels/index.ts';

describe('CredentialBox authentication tag', () => {
  it('refuses a value whose tag was cut to 4 bytes, which GCM would otherwise accept', () => {
    const box = new CredentialBox([randomBytes(32)]);
    const parts = box.seal({ accessToken: 'secret' }, 'council/account').split('.');
    parts[4] = Buffer.from(parts[4]!, 'base64url').subarray(0, 4).toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'council/account'));
  });
});

describe('Mastodon inbound with a notification id that is not a number', () => {
  let server: http.Server;
  let baseUrl: string;
  const status = {
    id: '1001',
    content: '<p>@council the bins were missed</p>',
    created_at: '2026-01-05T09:00:00.000Z',
    visibility: 'public',
    account: { id: '77', acct: 'resident@example.social', username: 'resident' },
  };

  before(async () => {
    server = http.createServer((request, response) => {
      const isFirstPage = !new URL(request.url ?? '/', 'http://x').searchParams.has('min_id');
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(
          isFirstPage
            ? [
                { id: 'not-a-number', type: 'mention', status },
                { id: '42', type: 'mention', status: { ...status, id: '1002' } },
              ]
            : [],
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the items and moves the cursor only to a numeric id', async () => {
    const connector = new MastodonConnector({ baseUrl, accessToken: 'token' });
    const batch = await connector.fetchInbound(undefined);
    assert.deepEqual(
      batch.items.map((i) => i.externalId),
      ['1001', '1002'],
    );
    assert.equal(batch.cursor, '42');
  });
});

describe('channel addresses entered by officers (SSRF)', () => {
  it('accepts public https services and refuses http, loopback, private and link-local addresses', async () => {
    const { publicAddressProblem, isPrivateHost } = await import('../src/modules/channels/registry.ts');
    assert.equal(publicAddressProblem('url', 'https://bsky.social'), undefined);
    assert.equal(publicAddressProblem('url', 'https://mastodon.example.org/'), undefined);
    for (const bad of [
      'http://bsky.social',
      'https://localhost:2583',
      'https://127.0.0.1',
      'https://10.1.2.3',
      'https://172.20.0.1',
      'https://192.168.1.1',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/',
      'https://[fd00::1]/',
      'https://metadata.google.internal/',
      'ftp://files.example.org',
    ])
      assert.ok(publicAddressProblem('url', bad), `${bad} is refused`);
    assert.equal(isPrivateHost('smtp.council.gov.uk'), false);
    assert.equal(isPrivateHost('127.0.0.1'), true);
  });

  it('applies the rule to every connect form unless the deployment allows private addresses', async () => {
    const { createConnectorRegistry } = await import('../src/connectors.ts');
    const strict = createConnectorRegistry({ enableX: true, allowPrivateAddresses: false });
    const relaxed = createConnectorRegistry({ enableX: true, allowPrivateAddresses: true });
    const errors = strict.validateSettings(
      'mastodon',
      { baseUrl: 'http://127.0.0.1:3000' },
      { accessToken: 'x' },
    );
    assert.match(errors.baseUrl ?? '', /https/);
    assert.deepEqual(
      relaxed.validateSettings('mastodon', { baseUrl: 'http://127.0.0.1:3000' }, { accessToken: 'x' }),
      {},
    );
    const email = strict.validateSettings('email', { host: '127.0.0.1', port: '25', address: 'a@b.uk' }, {});
    assert.match(email.host ?? '', /private/);
    for (const d of strict.list())
      for (const f of d.fields)
        if (/url|service|host/i.test(f.name))
          assert.ok(f.networkAddress, `${d.kind}.${f.name} is checked as a network address`);
  });
});
