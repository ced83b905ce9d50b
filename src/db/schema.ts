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

export interface TeamsTable {
  id: Generated<string>;
  council_id: string;
  slug: string;
  name: string;
  requires_reply_approval: Generated<boolean>;
  is_urgent_queue: Generated<boolean>;
  duty_contact: string | null;
  round_robin_cursor: Generated<number>;
  created_at: Generated<Date>;
}

export interface TeamMembersTable {
  council_id: string;
  team_id: string;
  user_id: string;
  is_available: Generated<boolean>;
}

export interface RoutingRulesTable {
  id: Generated<string>;
  council_id: string;
  area: string | null;
  category: string | null;
  team_id: string;
}

export interface SlaPoliciesTable {
  id: Generated<string>;
  council_id: string;
  area: string | null;
  urgency: string | null;
  first_response_minutes: number;
  resolution_minutes: number;
  is_business_hours: Generated<boolean>;
}

export interface ContactsTable {
  id: Generated<string>;
  council_id: string;
  display_name: Generated<string>;
  email: string | null;
  phone: string | null;
  ward_code: string | null;
  merged_into: string | null;
  created_at: Generated<Date>;
}

export interface ContactIdentitiesTable {
  id: Generated<string>;
  council_id: string;
  contact_id: string;
  channel_kind: string;
  external_id: string;
  handle: string | null;
  created_at: Generated<Date>;
}

export interface ConversationsTable {
  id: Generated<string>;
  council_id: string;
  channel_kind: string;
  channel_account_id: string | null;
  thread_key: string;
  contact_id: string;
  team_id: string | null;
  assignee_id: string | null;
  status: Generated<string>;
  subject: string | null;
  is_private: Generated<boolean>;
  area: string | null;
  category: string | null;
  intent: string | null;
  sentiment: string | null;
  urgency: Generated<string>;
  language: string | null;
  ward_code: string | null;
  lat: number | null;
  lon: number | null;
  message_count: Generated<number>;
  last_message_at: Generated<Date>;
  last_inbound_at: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  sla_breached_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface MessagesTable {
  id: Generated<string>;
  council_id: string;
  conversation_id: string;
  inbound_event_id: string | null;
  direction: string;
  author_user_id: string | null;
  body: string;
  is_private: Generated<boolean>;
  external_id: string | null;
  delivery_status: string | null;
  delivery_error: string | null;
  triage: Json | null;
  created_at: Generated<Date>;
  search: Generated<string | null>;
}

export interface TagsTable {
  id: Generated<string>;
  council_id: string;
  name: string;
}

export interface ConversationTagsTable {
  council_id: string;
  conversation_id: string;
  tag_id: string;
}

export interface SavedRepliesTable {
  id: Generated<string>;
  council_id: string;
  title: string;
  body: string;
  team_id: string | null;
  created_at: Generated<Date>;
}

export interface CustomStatusesTable {
  council_id: string;
  name: string;
  label: string;
}

export interface CaseCountersTable {
  council_id: string;
  year: number;
  last_number: Generated<number>;
}

export interface CasesTable {
  id: Generated<string>;
  council_id: string;
  reference: string;
  conversation_id: string;
  area: string;
  category: string;
  status: Generated<string>;
  summary: string;
  place_text: string | null;
  ward_code: string | null;
  lat: number | null;
  lon: number | null;
  report_count: Generated<number>;
  merged_into: string | null;
  team_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  closed_at: Date | null;
  satisfaction_asked_at: Date | null;
}

export interface CaseReportersTable {
  council_id: string;
  case_id: string;
  conversation_id: string;
}

export interface CaseEventsTable {
  id: Generated<string>;
  council_id: string;
  case_id: string;
  status: string;
  note: string | null;
  actor_user_id: string | null;
  created_at: Generated<Date>;
}

export interface SatisfactionResponsesTable {
  id: Generated<string>;
  council_id: string;
  case_id: string;
  conversation_id: string;
  area: string;
  team_id: string | null;
  score: number | null;
  comment: string | null;
  created_at: Generated<Date>;
}

export interface Database {
  councils: CouncilsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  channel_accounts: ChannelAccountsTable;
  inbound_events: InboundEventsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  routing_rules: RoutingRulesTable;
  sla_policies: SlaPoliciesTable;
  contacts: ContactsTable;
  contact_identities: ContactIdentitiesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  tags: TagsTable;
  conversation_tags: ConversationTagsTable;
  saved_replies: SavedRepliesTable;
  custom_statuses: CustomStatusesTable;
  case_counters: CaseCountersTable;
  cases: CasesTable;
  case_reporters: CaseReportersTable;
  case_events: CaseEventsTable;
  satisfaction_responses: SatisfactionResponsesTable;
}
