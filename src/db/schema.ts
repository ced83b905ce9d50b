/**
 * Kysely table types. They mirror src/db/migrations/*.sql by hand; a test compares the two
 * so that they cannot drift apart.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface CouncilsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  name_cy: string | null;
  hostnames: ColumnType<string[], string[] | undefined, string[]>;
  logo_svg: string | null;
  brand_colour: Generated<string>;
  contact_email: string | null;
  settings: Json;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  council_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  failed_sign_ins: Generated<number>;
  locked_until: Date | null;
  password_changed_at: Generated<Date>;
  disabled_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SessionsTable {
  id: string;
  council_id: string;
  user_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  council_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface AuditEventsTable {
  id: Generated<string>;
  council_id: string;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
  created_at: Generated<Date>;
}

export interface ChannelAccountsTable {
  id: Generated<string>;
  council_id: string;
  kind: string;
  name: string;
  handle: string | null;
  external_id: string | null;
  settings: Json;
  credentials: string;
  status: Generated<string>;
  token_expires_at: Date | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
  rate_limit_remaining: number | null;
  rate_limit_reset_at: Date | null;
  inbound_cursor: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  disconnected_at: Date | null;
}

export interface InboundEventsTable {
  id: Generated<string>;
  council_id: string;
  channel_account_id: string | null;
  channel_kind: string;
  external_id: string;
  payload: Json | null;
  raw_text: string | null;
  status: Generated<string>;
  error: string | null;
  received_at: Generated<Date>;
  processed_at: Date | null;
}

export interface Database {
  councils: CouncilsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  channel_accounts: ChannelAccountsTable;
  inbound_events: InboundEventsTable;
}
