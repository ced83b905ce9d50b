import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CredentialBox } from './credentials.ts';

describe('CredentialBox', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('opens what it sealed, and the ciphertext does not contain the secret', () => {
    const box = new CredentialBox([a]);
    const sealed = box.seal({ appPassword: 'abcd-efgh-ijkl-mnop' }, 'council-1/account-1');
    assert.doesNotMatch(sealed, /abcd/);
    assert.deepEqual(box.open(sealed, 'council-1/account-1'), { appPassword: 'abcd-efgh-ijkl-mnop' });
  });

  it('refuses a ciphertext moved to another account', () => {
    const box = new CredentialBox([a]);
    const sealed = box.seal({ token: 'x' }, 'council-1/account-1');
    assert.throws(() => box.open(sealed, 'council-2/account-1'));
  });

  it('refuses a tampered ciphertext', () => {
    const box = new CredentialBox([a]);
    const parts = box.seal({ token: 'x' }, 'k').split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'k'));
  });

  it('rotates: values sealed with the old key still open, and reseal moves them to the new key', () => {
    const old = new CredentialBox([a]);
    const sealed = old.seal({ token: 'y' }, 'k');
    const rotated = new CredentialBox([b, a]);
    assert.equal(rotated.isStale(sealed), true);
    const resealed = rotated.reseal(sealed, 'k');
    assert.equal(rotated.isStale(resealed), false);
    assert.deepEqual(new CredentialBox([b]).open(resealed, 'k'), { token: 'y' });
    assert.throws(() => new CredentialBox([b]).open(sealed, 'k'), /unknown key/);
  });
});
