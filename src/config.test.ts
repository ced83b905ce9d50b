import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from './config.ts';

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has a default for everything', () => {
    assert.deepEqual(loadConfig({}), {
      port: 3000,
      host: '0.0.0.0',
      dataDir: path.resolve('data'),
      databaseUrl: undefined,
      embeddedPgPort: 54329,
      secretKeys: undefined,
      demoPassword: undefined,
      defaultCouncil: 'demo',
      seedDemo: true,
      secureCookies: true,
      trustProxy: false,
      sessionHours: 12,
      enableX: false,
      allowPrivateChannelAddresses: false,
      bluesky: { streamUrl: 'wss://bsky.network', plcUrl: 'https://plc.directory' },
      oauth: {},
      publicUrl: undefined,
      smtpPort: undefined,
      inboundEmailDomain: 'inbound.townsquare.test',
      logLevel: 'info',
    });
  });

  it('reads every setting', () => {
    const key1 = 'ab'.repeat(32);
    const key2 = 'CD'.repeat(32);
    assert.deepEqual(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        TOWNSQUARE_DATA_DIR: '/var/lib/townsquare',
        DATABASE_URL: 'postgresql://u:p@db:5432/ts',
        TOWNSQUARE_PG_PORT: '6543',
        TOWNSQUARE_SECRET_KEY: `${key1},${key2}`,
        TOWNSQUARE_DEMO_PASSWORD: 'twelve chars!',
        TOWNSQUARE_DEFAULT_COUNCIL: 'north-vale',
        TOWNSQUARE_SEED_DEMO: 'no',
        TOWNSQUARE_SECURE_COOKIES: '0',
        TOWNSQUARE_TRUST_PROXY: 'yes',
        TOWNSQUARE_SESSION_HOURS: '8',
        TOWNSQUARE_ENABLE_X: 'true',
        TOWNSQUARE_ALLOW_PRIVATE_CHANNEL_ADDRESSES: 'yes',
        TOWNSQUARE_X_CLIENT_ID: 'x-client',
        TOWNSQUARE_X_CLIENT_SECRET: 'x-secret',
        TOWNSQUARE_META_APP_ID: '1234567890',
        TOWNSQUARE_META_APP_SECRET: 'meta-secret',
        TOWNSQUARE_META_WEBHOOK_VERIFY_TOKEN: 'a-verify-token-of-length',
        TOWNSQUARE_PUBLIC_URL: 'https://townsquare.north-vale.gov.uk/',
        TOWNSQUARE_SMTP_PORT: '2525',
        TOWNSQUARE_INBOUND_EMAIL_DOMAIN: 'Reply.North-Vale.gov.uk',
        LOG_LEVEL: 'debug',
      }),
      {
        port: 8080,
        host: '127.0.0.1',
        dataDir: '/var/lib/townsquare',
        databaseUrl: 'postgresql://u:p@db:5432/ts',
        embeddedPgPort: 6543,
        secretKeys: [key1, key2],
        demoPassword: 'twelve chars!',
        defaultCouncil: 'north-vale',
        seedDemo: false,
        secureCookies: false,
        trustProxy: true,
        sessionHours: 8,
        enableX: true,
        allowPrivateChannelAddresses: true,
        bluesky: { streamUrl: 'wss://bsky.network', plcUrl: 'https://plc.directory' },
        oauth: {
          x: {
            clientId: 'x-client',
            clientSecret: 'x-secret',
            authorizeUrl: 'https://x.com/i/oauth2/authorize',
            apiUrl: 'https://api.x.com',
          },
          meta: {
            appId: '1234567890',
            appSecret: 'meta-secret',
            dialogUrl: 'https://www.facebook.com/v21.0/dialog/oauth',
            graphUrl: 'https://graph.facebook.com',
            verifyToken: 'a-verify-token-of-length',
          },
        },
        publicUrl: 'https://townsquare.north-vale.gov.uk',
        smtpPort: 2525,
        inboundEmailDomain: 'reply.north-vale.gov.uk',
        logLevel: 'debug',
      },
    );
  });

  it('understands true/false, 1/0 and yes/no', () => {
    for (const [text, value] of [
      ['true', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ] as const) {
      assert.equal(loadConfig({ TOWNSQUARE_TRUST_PROXY: text }).trustProxy, value, text);
    }
  });

  it('is frozen', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  const bad: [string, string][] = [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['HOST', ''],
    ['TOWNSQUARE_DATA_DIR', ''],
    ['DATABASE_URL', 'mysql://db/ts'],
    ['DATABASE_URL', 'db.example:5432'],
    ['TOWNSQUARE_PG_PORT', '80'],
    ['TOWNSQUARE_PG_PORT', 'x'],
    ['TOWNSQUARE_SECRET_KEY', 'too-short'],
    ['TOWNSQUARE_SECRET_KEY', `${'a'.repeat(64)},${'z'.repeat(64)}`],
    ['TOWNSQUARE_DEMO_PASSWORD', 'short'],
    ['TOWNSQUARE_DEFAULT_COUNCIL', 'North Vale'],
    ['TOWNSQUARE_SEED_DEMO', 'maybe'],
    ['TOWNSQUARE_SECURE_COOKIES', 'TRUE!'],
    ['TOWNSQUARE_TRUST_PROXY', 'on'],
    ['TOWNSQUARE_SESSION_HOURS', '0'],
    ['TOWNSQUARE_SESSION_HOURS', '721'],
    ['LOG_LEVEL', 'loud'],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name}=${value.length > 20 ? value.slice(0, 20) + '…' : value} and names it`, () => {
      const error = refusal({ [name]: value });
      assert.equal(error.kind, 'config');
      assert.match(error.message, /^Invalid configuration:\n/);
      assert.match(error.message, new RegExp(`^  ${name}: .+$`, 'm'));
      // Only the bad one is named.
      assert.equal(error.message.split('\n').length, 2, error.message);
    });
  }

  it('names every bad variable at once', () => {
    const error = refusal({ PORT: 'x', LOG_LEVEL: 'loud', TOWNSQUARE_DEMO_PASSWORD: 'short' });
    assert.match(error.message, /^ {2}PORT: /m);
    assert.match(error.message, /^ {2}LOG_LEVEL: /m);
    assert.match(error.message, /^ {2}TOWNSQUARE_DEMO_PASSWORD: must be at least 12 characters$/m);
  });

  it('never repeats a secret value in its message', () => {
    const error = refusal({
      TOWNSQUARE_SECRET_KEY: 'hunter2-secret-value',
      TOWNSQUARE_DEMO_PASSWORD: 'pw-secret',
    });
    assert.ok(!error.message.includes('hunter2-secret-value'));
    assert.ok(!error.message.includes('pw-secret'));
  });
});
