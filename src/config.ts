/**
 * Configuration: one schema, read once from the environment at start-up, then frozen.
 * A bad or missing setting stops the process with a message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TOWNSQUARE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TOWNSQUARE_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  TOWNSQUARE_SECRET_KEY: z
    .string()
    .regex(
      /^[0-9a-fA-F]{64}(,[0-9a-fA-F]{64})*$/,
      'must be 64 hex characters (32 bytes), comma-separated for rotation',
    )
    .optional(),
  TOWNSQUARE_DEMO_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  TOWNSQUARE_DEFAULT_COUNCIL: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a council slug such as demo')
    .default('demo'),
  TOWNSQUARE_SEED_DEMO: booleanText.default(true),
  TOWNSQUARE_SECURE_COOKIES: booleanText.default(true),
  TOWNSQUARE_TRUST_PROXY: booleanText.default(false),
  TOWNSQUARE_ENABLE_X: booleanText.default(false),
  TOWNSQUARE_ALLOW_PRIVATE_CHANNEL_ADDRESSES: booleanText.default(false),
  // Where the hashtag listener reads posts (a relay, or a PDS) and DID documents.
  TOWNSQUARE_BLUESKY_STREAM_URL: z
    .string()
    .regex(/^(wss?|https?):\/\//, 'must be a ws(s) or http(s) URL')
    .default('wss://bsky.network'),
  TOWNSQUARE_BLUESKY_PLC_URL: z.string().url().default('https://plc.directory'),
  // OAuth apps the deployment registered with X and Meta (Mastodon apps are registered per
  // council and server at connect time). Without a client id the network offers only tokens.
  TOWNSQUARE_X_CLIENT_ID: z.string().min(1).optional(),
  TOWNSQUARE_X_CLIENT_SECRET: z.string().min(1).optional(),
  TOWNSQUARE_X_AUTHORIZE_URL: z.string().url().default('https://x.com/i/oauth2/authorize'),
  TOWNSQUARE_X_API_URL: z.string().url().default('https://api.x.com'),
  TOWNSQUARE_META_APP_ID: z
    .string()
    .regex(/^\d{5,20}$/, 'must be the numeric Meta app id')
    .optional(),
  TOWNSQUARE_META_APP_SECRET: z.string().min(1).optional(),
  TOWNSQUARE_META_DIALOG_URL: z.string().url().default('https://www.facebook.com/v21.0/dialog/oauth'),
  TOWNSQUARE_META_GRAPH_URL: z.string().url().default('https://graph.facebook.com'),
  // The verify token entered in the Meta app's webhook settings, for Pages connected by login.
  TOWNSQUARE_META_WEBHOOK_VERIFY_TOKEN: z.string().min(16).optional(),
  // Where networks fetch published images from (Instagram's image_url). Unset: https:// and
  // the council's first host name; set (e.g. https://townsquare.example): that, then /c/<slug>.
  TOWNSQUARE_PUBLIC_URL: z.string().url().optional(),
  TOWNSQUARE_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  TOWNSQUARE_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TOWNSQUARE_INBOUND_EMAIL_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/i, 'must be a mail domain such as inbound.borough.gov.uk')
    .default('inbound.townsquare.test'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  secretKeys: readonly string[] | undefined;
  demoPassword: string | undefined;
  defaultCouncil: string;
  seedDemo: boolean;
  secureCookies: boolean;
  trustProxy: boolean;
  sessionHours: number;
  enableX: boolean;
  allowPrivateChannelAddresses: boolean;
  bluesky: { streamUrl: string; plcUrl: string };
  oauth: {
    x?: { clientId: string; clientSecret?: string; authorizeUrl: string; apiUrl: string };
    meta?: { appId: string; appSecret: string; dialogUrl: string; graphUrl: string; verifyToken?: string };
  };
  publicUrl: string | undefined;
  /** Inbound SMTP listener port (worker and all roles); unset: no listener. */
  smtpPort: number | undefined;
  /** Mail to <council slug>@this domain lands in that council's inbox. */
  inboundEmailDomain: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}>;

export class ConfigError extends Error {
  readonly kind = 'config';
}

/**
 * Reads and validates the configuration.
 * @example loadConfig({ PORT: '8080' }).port // 8080
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.TOWNSQUARE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.TOWNSQUARE_PG_PORT,
    secretKeys: e.TOWNSQUARE_SECRET_KEY?.split(','),
    demoPassword: e.TOWNSQUARE_DEMO_PASSWORD,
    defaultCouncil: e.TOWNSQUARE_DEFAULT_COUNCIL,
    seedDemo: e.TOWNSQUARE_SEED_DEMO,
    secureCookies: e.TOWNSQUARE_SECURE_COOKIES,
    trustProxy: e.TOWNSQUARE_TRUST_PROXY,
    sessionHours: e.TOWNSQUARE_SESSION_HOURS,
    enableX: e.TOWNSQUARE_ENABLE_X,
    allowPrivateChannelAddresses: e.TOWNSQUARE_ALLOW_PRIVATE_CHANNEL_ADDRESSES,
    bluesky: { streamUrl: e.TOWNSQUARE_BLUESKY_STREAM_URL, plcUrl: e.TOWNSQUARE_BLUESKY_PLC_URL },
    oauth: {
      ...(e.TOWNSQUARE_X_CLIENT_ID
        ? {
            x: {
              clientId: e.TOWNSQUARE_X_CLIENT_ID,
              ...(e.TOWNSQUARE_X_CLIENT_SECRET ? { clientSecret: e.TOWNSQUARE_X_CLIENT_SECRET } : {}),
              authorizeUrl: e.TOWNSQUARE_X_AUTHORIZE_URL,
              apiUrl: e.TOWNSQUARE_X_API_URL,
            },
          }
        : {}),
      ...(e.TOWNSQUARE_META_APP_ID && e.TOWNSQUARE_META_APP_SECRET
        ? {
            meta: {
              appId: e.TOWNSQUARE_META_APP_ID,
              appSecret: e.TOWNSQUARE_META_APP_SECRET,
              dialogUrl: e.TOWNSQUARE_META_DIALOG_URL,
              graphUrl: e.TOWNSQUARE_META_GRAPH_URL,
              ...(e.TOWNSQUARE_META_WEBHOOK_VERIFY_TOKEN
                ? { verifyToken: e.TOWNSQUARE_META_WEBHOOK_VERIFY_TOKEN }
                : {}),
            },
          }
        : {}),
    },
    publicUrl: e.TOWNSQUARE_PUBLIC_URL?.replace(/\/+$/, ''),
    smtpPort: e.TOWNSQUARE_SMTP_PORT,
    inboundEmailDomain: e.TOWNSQUARE_INBOUND_EMAIL_DOMAIN.toLowerCase(),
    logLevel: e.LOG_LEVEL,
  });
}
