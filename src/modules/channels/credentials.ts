/**
 * Channel credentials at rest: AES-256-GCM with a fresh 96-bit nonce per value and the
 * council and account id as associated data, so a ciphertext copied onto another account's
 * row does not decrypt. Keys come from configuration, newest first; each ciphertext names
 * the key that sealed it (the first 8 hex of the key's SHA-256), so old values still open
 * after a rotation and `reseal` moves them to the newest key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const version = 'v1';

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class CredentialBox {
  private readonly keys: { id: string; key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('at least one secret key is needed');
    for (const k of keys) if (k.length !== 32) throw new Error('secret keys must be 32 bytes');
    this.keys = keys.map((key) => ({ id: keyId(key), key }));
  }

  /** `v1.<keyId>.<nonce>.<ciphertext>.<tag>`, base64url parts. */
  seal(plaintext: unknown, associated: string): string {
    const { id, key } = this.keys[0]!;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(JSON.stringify(plaintext), 'utf8'), cipher.final()]);
    return [
      version,
      id,
      nonce.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  open<T>(sealed: string, associated: string): T {
    const [v, id, nonce, body, tag] = sealed.split('.');
    if (v !== version || !id || !nonce || body === undefined || !tag)
      throw new Error('not a sealed credential');
    const entry = this.keys.find((k) => k.id === id);
    if (!entry)
      throw new Error(
        `credential sealed with an unknown key ${id}: was a key removed before rotation finished?`,
      );
    // Without authTagLength Node accepts a tag cut down to 4 bytes, and a 32-bit tag can be
    // forged by trial; GCM's full 16 bytes are what seal() writes.
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(nonce, 'base64url'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(associated));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as T;
  }

  /** True when the value is sealed with an older key and should be resealed. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0]!.id;
  }

  reseal(sealed: string, associated: string): string {
    return this.seal(this.open<unknown>(sealed, associated), associated);
  }
}
