/**
 * Posts and their workflow: draft, submitted, approved, scheduled, publishing, published or
 * failed. Approval steps are per council (by role or named people); nobody approves their own
 * post or two steps of one post; an approval still pending at the scheduled time holds the
 * post and alerts its author. Every change is recorded in the publishing record.
 *
 * This class is the one entry point its callers use; the work is in posts/: drafting,
 * approval, scheduling, reading, and locking (changes made while the engine may be claiming).
 */
import { withCouncil, type Db, type Tx } from '../../db/index.ts';
import type { FieldErrors } from '../../web/forms.ts';
import type { Actor } from '../accounts/index.ts';
import type { ChannelAccountsService, ConnectorRegistry } from '../channels/index.ts';
import type { PostForm } from './post-form.ts';
import { approvePost, returnToDraft } from './posts/approval.ts';
import {
  checkDraft,
  submissionErrors,
  submitPost,
  writeDraft,
  type DraftSchedule,
} from './posts/drafting.ts';
import { removePost } from './posts/locking.ts';
import type {
  ApprovalStep,
  CouncilPublishingSettings,
  PostsDeps,
  PostsQueue,
  PostSummary,
  PostView,
  Staff,
} from './posts/model.ts';
import { approvalSteps, listPosts, loadPost, needingAttention, type PostsFilter } from './posts/reading.ts';
import { onPostDue } from './posts/scheduling.ts';

export {
  hasVariantOn,
  PublishingError,
  type ApprovalStep,
  type CouncilPublishingSettings,
  type PostsQueue,
  type PostSummary,
  type PostView,
  type Staff,
} from './posts/model.ts';
export {
  fenceOpenVariants,
  isBeingSent,
  lockPostForChange,
  moveFence,
  refuseIfBeingSent,
  type LockedVariant,
} from './posts/locking.ts';

export class PostsService {
  private queue: PostsQueue | undefined;
  private readonly deps: PostsDeps;

  constructor(db: Db, channelAccounts: ChannelAccountsService, registry: ConnectorRegistry) {
    this.deps = { db, channelAccounts, registry, queue: () => this.q };
  }

  useQueue(queue: PostsQueue): void {
    this.queue = queue;
  }

  private get q(): PostsQueue {
    if (!this.queue) throw new Error('PostsService has no queue: call useQueue first');
    return this.queue;
  }

  /** Saves a draft (new, or an edit that sends the post back to draft). Returns its id. */
  async saveDraft(
    staff: Staff,
    form: PostForm,
    settings: CouncilPublishingSettings,
    postId?: string,
  ): Promise<string> {
    const schedule = await checkDraft(this.deps, staff, form);
    const { actor } = staff;
    return withCouncil(this.deps.db, actor.councilId, (tx) =>
      this.writeDraft(tx, actor, form, settings, schedule, postId),
    );
  }

  /**
   * Writes a checked draft (see saveDraft) in the caller's transaction, so an import can draft
   * many posts all-or-nothing. Returns its id.
   */
  async writeDraft(
    tx: Tx,
    actor: Actor,
    form: PostForm,
    settings: CouncilPublishingSettings,
    schedule: DraftSchedule,
    postId?: string,
  ): Promise<string> {
    return writeDraft(tx, actor, form, settings, schedule, postId);
  }

  /**
   * Every problem that stops a post being submitted, by field id: the draft rules, Welsh where
   * the council is bilingual, and each channel's own limits as that channel counts them.
   */
  async submissionErrors(
    councilId: string,
    postId: string,
    settings: CouncilPublishingSettings,
  ): Promise<FieldErrors> {
    return submissionErrors(this.deps, councilId, postId, settings);
  }

  async submit(staff: Staff, postId: string, settings: CouncilPublishingSettings): Promise<void> {
    return submitPost(this.deps, staff, postId, settings);
  }

  /** The council's approval steps, with the pre-election step added when the post needs it. */
  async steps(tx: Tx, needsExtra: boolean): Promise<ApprovalStep[]> {
    return approvalSteps(tx, needsExtra);
  }

  async approve(staff: Staff, postId: string): Promise<'approved' | 'scheduled'> {
    return approvePost(this.deps, staff, postId);
  }

  /** Sends a submitted post back to its author as a draft, with the reason. */
  async returnToDraft(staff: Staff, postId: string, reason: string): Promise<void> {
    return returnToDraft(this.deps, staff, postId, reason);
  }

  /** Removes a post from the site and the staff lists; the record keeps it. */
  async remove(staff: Staff, postId: string): Promise<void> {
    return removePost(this.deps, staff, postId);
  }

  /** At the scheduled time: hold a post still waiting for approval; finish a website-only post. */
  async onDue(councilId: string, postId: string): Promise<void> {
    return onPostDue(this.deps, councilId, postId);
  }

  async get(councilId: string, postId: string): Promise<PostView> {
    return withCouncil(this.deps.db, councilId, (tx) => loadPost(tx, postId));
  }

  async list(councilId: string, filter: PostsFilter = {}): Promise<PostSummary[]> {
    return listPosts(this.deps.db, councilId, filter);
  }

  /** Variants that need someone: failed (with the reason) or held for a reconnection. */
  async needingAttention(
    councilId: string,
  ): Promise<{ postId: string; title: string; variantId: string; status: string; error: string | null }[]> {
    return needingAttention(this.deps.db, councilId);
  }
}
