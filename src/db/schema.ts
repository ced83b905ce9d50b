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

export interface Database {
  councils: CouncilsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
}
