import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebInbound, type WebSubmission } from './web.connector.ts';

const at = new Date('2025-03-30T10:00:00Z');
const form = (extra: Partial<WebSubmission> = {}): WebSubmission => ({
  source: 'form',
  text: 'My bin was missed\r\nagain.',
  name: ' Ada Resident ',
  email: 'Ada@Example.test',
  phone: '07700 900 982',
  receivedAt: at,
  ...extra,
});

describe('WebInbound', () => {
  const web = new WebInbound({ windowMs: 10 * 60 * 1000 });

  it('normalises a form submission into a private InboundItem', () => {
    const item = web.normalise(form({ subject: 'Bins' }));
    assert.equal(item.kind, 'form');
    assert.equal(item.isPrivate, true);
    assert.deepEqual(item.author, {
      id: 'ada@example.test',
      name: 'Ada Resident',
      email: 'Ada@Example.test',
      phone: '07700 900 982',
    });
    assert.equal(item.text, 'My bin was missed\nagain.');
    assert.equal(item.subject, 'Bins');
    assert.equal(item.threadId, item.externalId);
    assert.deepEqual(item.raw, { ...form({ subject: 'Bins' }), receivedAt: at.toISOString() });
  });

  it("uses the client's idempotency key when it sent one", () => {
    const a = web.normalise(form({ source: 'api', idempotencyKey: 'client-key-0001' }));
    const b = web.normalise(
      form({
        source: 'api',
        idempotencyKey: 'client-key-0001',
        receivedAt: new Date(at.getTime() + 3_600_000),
      }),
    );
    assert.equal(a.externalId, 'web:api:key:client-key-0001');
    assert.equal(b.externalId, a.externalId);
  });

  it('gives a double submission in the same window the same id, and different content another', () => {
    const a = web.normalise(form());
    const b = web.normalise(form({ receivedAt: new Date(at.getTime() + 60_000) }));
    const c = web.normalise(form({ text: 'Something else' }));
    const d = web.normalise(form({ receivedAt: new Date(at.getTime() + 11 * 60_000) }));
    assert.equal(b.externalId, a.externalId);
    assert.notEqual(c.externalId, a.externalId);
    assert.notEqual(d.externalId, a.externalId);
    assert.match(a.externalId, /^web:form:sha256:[0-9a-f]{64}$/u);
  });

  it('names an anonymous resident by a stable pseudonymous id', () => {
    const item = web.normalise({ source: 'form', text: 'Graffiti on the bridge', receivedAt: at });
    assert.match(item.author.id, /^anonymous:[0-9a-f]{16}$/u);
    assert.equal(item.author.email, undefined);
  });
});
