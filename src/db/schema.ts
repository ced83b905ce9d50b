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

export interface ChannelOauthAppsTable {
  id: Generated<string>;
  council_id: string;
  provider: string;
  instance_url: string;
  redirect_uri: string;
  client_id: string;
  client_secret: string;
  scopes: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface ChannelOauthStatesTable {
  id: Generated<string>;
  council_id: string;
  state_hash: string;
  provider: string;
  user_id: string;
  session_hash: string;
  account_name: string;
  redirect_uri: string;
  sealed: string;
  expires_at: Date;
  used_at: Date | null;
  completed_at: Date | null;
  created_at: Generated<Date>;
}

export interface EmailSentLedgerTable {
  council_id: string;
  channel_account_id: string;
  message_id: string;
  published: Json;
  sent_at: Generated<Date>;
}

/** Not council-owned: one repo-event stream serves every council watching hashtags on it. */
export interface BlueskyStreamCursorsTable {
  service: string;
  seq: ColumnType<string, string | number | bigint, string | number | bigint>;
  updated_at: Generated<Date>;
}

export interface ChannelPublicMediaTable {
  id: Generated<string>;
  council_id: string;
  token: string;
  sha256: string;
  mime_type: string;
  data: Buffer;
  created_at: Generated<Date>;
  last_used_at: Generated<Date>;
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
  is_round_robin: Generated<boolean>;
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
  approved_by: string | null;
}

export interface MessageMentionsTable {
  council_id: string;
  message_id: string;
  conversation_id: string;
  user_id: string;
  created_at: Generated<Date>;
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

// --- Inbox replies (src/db/migrations/0013_inbox_replies.sql) -----------------------------
export interface InboxSettingsTable {
  council_id: string;
  reply_to_address: string | null;
  updated_at: Generated<Date>;
}

// --- Publishing (src/db/migrations/0007_publishing.sql) -----------------------------------
export interface MediaItemsTable {
  id: Generated<string>;
  council_id: string;
  filename: string;
  mime_type: string;
  data: Buffer;
  alt_text: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface PublishingApprovalStepsTable {
  id: Generated<string>;
  council_id: string;
  position: number;
  name: string;
  role: string | null;
  user_ids: ColumnType<string[], string[] | undefined, string[]>;
}

export interface PostsTable {
  id: Generated<string>;
  council_id: string;
  kind: Generated<string>;
  title: string;
  body: string;
  body_cy: string | null;
  link: string | null;
  status: Generated<string>;
  show_on_website: Generated<boolean>;
  scheduled_at: Timestamp | null;
  held_reason: string | null;
  paused_at: Timestamp | null;
  needs_extra_approval: Generated<boolean>;
  event_start: Timestamp | null;
  event_end: Timestamp | null;
  event_location: string | null;
  recurrence: Json | null;
  series_id: string | null;
  is_emergency: Generated<boolean>;
  created_by: string;
  submitted_at: Timestamp | null;
  published_at: Timestamp | null;
  deleted_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  service: string | null;
}

export interface PostMediaTable {
  council_id: string;
  post_id: string;
  media_id: string;
  position: Generated<number>;
}

export interface PostVariantsTable {
  id: Generated<string>;
  council_id: string;
  post_id: string;
  channel_account_id: string;
  text: string;
  status: Generated<string>;
  intended_at: Timestamp | null;
  lease_until: Timestamp | null;
  requeued_at: Timestamp | null;
  attempt_count: Generated<number>;
  external_id: string | null;
  external_url: string | null;
  error: string | null;
  error_kind: string | null;
  published_at: Timestamp | null;
  metrics: Json | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PublishAttemptsTable {
  id: Generated<string>;
  council_id: string;
  variant_id: string;
  intended_at: Timestamp;
  started_at: Generated<Date>;
  outcome: Generated<string>;
  error_kind: string | null;
  error: string | null;
  finished_at: Timestamp | null;
}

export interface PostApprovalsTable {
  id: Generated<string>;
  council_id: string;
  post_id: string;
  step_name: string;
  position: number;
  approver_id: string;
  created_at: Generated<Date>;
}

export interface PublishingRecordsTable {
  id: Generated<string>;
  council_id: string;
  post_id: string;
  action: string;
  actor_user_id: string | null;
  actor_label: string;
  snapshot: Json;
  created_at: Generated<Date>;
}

export interface IncidentsTable {
  id: Generated<string>;
  council_id: string;
  reason: string;
  banner: string;
  started_by: string;
  started_at: Generated<Date>;
  ended_by: string | null;
  ended_at: Timestamp | null;
}
export interface PostMetricSnapshotsTable {
  id: Generated<string>;
  council_id: string;
  variant_id: string;
  likes: number;
  reposts: number;
  replies: number;
  quotes: number | null;
  impressions: number | null;
  read_at: Generated<Date>;
  checked_at: Generated<Date>;
}
// Publishing templates and imports (src/db/migrations/0010_publishing_templates.sql).
export interface PublishingTemplatesTable {
  council_id: string;
  template_key: string;
  title: string;
  body: string;
  short: string;
  body_cy: string | null;
  short_cy: string | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface PublishingImportsTable {
  id: Generated<string>;
  council_id: string;
  kind: string;
  filename: string;
  row_count: number;
  created_by: string;
  created_at: Generated<Date>;
}

export interface PublishingImportItemsTable {
  council_id: string;
  kind: string;
  reference: string;
  post_id: string;
  row_hash: string;
  first_import_id: string;
  last_import_id: string;
  last_outcome: string;
  updated_at: Generated<Date>;
}
// --- end publishing ----------------------------------------------------------------------------

// --- Meetings (src/db/migrations/0006_meetings.sql) --------------------------------------
type MeetingTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface CommitteesTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  category: string | null;
  is_active: Generated<boolean>;
  moderngov_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface MeetingsTable {
  id: Generated<string>;
  council_id: string;
  committee_id: string | null;
  title: string;
  starts_at: Timestamp;
  ends_at: MeetingTime | null;
  location: string | null;
  attendance: Generated<string>;
  status: Generated<string>;
  stream_url: string | null;
  recording_url: string | null;
  hashtag: string | null;
  question_keyword: string | null;
  question_deadline_at: MeetingTime | null;
  moderngov_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AgendaItemsTable {
  id: Generated<string>;
  council_id: string;
  meeting_id: string;
  position: number;
  number: string | null;
  title: string;
  body: Generated<string>;
  minutes: string | null;
  papers: ColumnType<unknown, string | undefined, string>;
  moderngov_id: string | null;
  created_at: Generated<Date>;
}

export interface MeetingSettingsTable {
  council_id: string;
  deadline_hours_before: Generated<number>;
  is_ward_required: Generated<boolean>;
  is_one_per_person: Generated<boolean>;
  word_limit: Generated<number>;
  votes_per_source_per_hour: Generated<number>;
  moderngov_url: string | null;
  updated_at: Generated<Date>;
}

export interface MeetingQuestionsTable {
  id: Generated<string>;
  council_id: string;
  meeting_id: string;
  agenda_item_id: string | null;
  channel_kind: Generated<string>;
  conversation_id: string | null;
  asker_name: string;
  asker_email: string | null;
  asker_ward: string | null;
  asker_key: string;
  original_text: string;
  text: string;
  status: Generated<string>;
  rejection_reason: string | null;
  edit_note: string | null;
  flags: ColumnType<string[], string[] | undefined, string[]>;
  ask_count: Generated<number>;
  votes: Generated<number>;
  merged_into_id: string | null;
  answer: string | null;
  webcast_seconds: number | null;
  answered_at: MeetingTime | null;
  decided_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  message_id: string | null;
}

export interface QuestionVotesTable {
  council_id: string;
  question_id: string;
  meeting_id: string;
  voter_key: string;
  source_hash: string;
  created_at: Generated<Date>;
}

export interface MeetingPollsTable {
  id: Generated<string>;
  council_id: string;
  meeting_id: string;
  question: string;
  choices: ColumnType<unknown, string, string>;
  is_open: Generated<boolean>;
  created_at: Generated<Date>;
  closed_at: MeetingTime | null;
}

export interface PollVotesTable {
  council_id: string;
  poll_id: string;
  voter_key: string;
  choice: number;
  created_at: Generated<Date>;
}

export interface MeetingEventsTable {
  id: Generated<string>;
  council_id: string;
  meeting_id: string;
  kind: string;
  data: string;
  created_at: Generated<Date>;
}

export interface QuestionNoticesTable {
  id: Generated<string>;
  council_id: string;
  question_id: string;
  kind: string;
  channel: string;
  status: Generated<string>;
  detail: string | null;
  idempotency_key: string;
  created_at: Generated<Date>;
  sent_at: MeetingTime | null;
}

export interface MeetingInboundMessagesTable {
  council_id: string;
  message_id: string;
  conversation_id: string;
  meeting_id: string | null;
  channel_kind: string;
  asker_key: string;
  asker_name: string;
  text: string;
  status: Generated<string>;
  question_id: string | null;
  rule: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
// --- end of Meetings ----------------------------------------------------------------------

export interface Database {
  councils: CouncilsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  channel_accounts: ChannelAccountsTable;
  inbound_events: InboundEventsTable;
  channel_oauth_apps: ChannelOauthAppsTable;
  channel_oauth_states: ChannelOauthStatesTable;
  email_sent_ledger: EmailSentLedgerTable;
  channel_public_media: ChannelPublicMediaTable;
  bluesky_stream_cursors: BlueskyStreamCursorsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  routing_rules: RoutingRulesTable;
  sla_policies: SlaPoliciesTable;
  contacts: ContactsTable;
  contact_identities: ContactIdentitiesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  message_mentions: MessageMentionsTable;
  tags: TagsTable;
  conversation_tags: ConversationTagsTable;
  saved_replies: SavedRepliesTable;
  custom_statuses: CustomStatusesTable;
  case_counters: CaseCountersTable;
  cases: CasesTable;
  case_reporters: CaseReportersTable;
  case_events: CaseEventsTable;
  satisfaction_responses: SatisfactionResponsesTable;
  inbox_settings: InboxSettingsTable;
  // publishing
  media_items: MediaItemsTable;
  publishing_approval_steps: PublishingApprovalStepsTable;
  posts: PostsTable;
  post_media: PostMediaTable;
  post_variants: PostVariantsTable;
  publish_attempts: PublishAttemptsTable;
  post_approvals: PostApprovalsTable;
  publishing_records: PublishingRecordsTable;
  incidents: IncidentsTable;
  post_metric_snapshots: PostMetricSnapshotsTable;
  publishing_templates: PublishingTemplatesTable;
  publishing_imports: PublishingImportsTable;
  publishing_import_items: PublishingImportItemsTable;
  // Meetings
  committees: CommitteesTable;
  meetings: MeetingsTable;
  agenda_items: AgendaItemsTable;
  meeting_settings: MeetingSettingsTable;
  meeting_questions: MeetingQuestionsTable;
  question_votes: QuestionVotesTable;
  meeting_polls: MeetingPollsTable;
  poll_votes: PollVotesTable;
  meeting_events: MeetingEventsTable;
  question_notices: QuestionNoticesTable;
  meeting_inbound_messages: MeetingInboundMessagesTable;
}
