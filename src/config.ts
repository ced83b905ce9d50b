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
    smtpPort: e.TOWNSQUARE_SMTP_PORT,
    inboundEmailDomain: e.TOWNSQUARE_INBOUND_EMAIL_DOMAIN.toLowerCase(),
    logLevel: e.LOG_LEVEL,
  });
}
