/**
 * Shared set-up for the publishing tests, the crash worker and the benchmark: a council with an
 * author, an approver and an admin, channel accounts on the contract servers, and a helper that
 * takes a post from draft to scheduled as the staff would.
 */
import type { Services } from '../src/container.ts';
import type { StaffUser } from '../src/modules/accounts/index.ts';
import { readPostForm, type Staff } from '../src/modules/publishing/index.ts';
import type { PublishQueue } from '../src/modules/publishing/index.ts';
import { createCouncilWithStaff } from './support/app.ts';

export type PublishingCouncil = {
  councilId: string;
  author: StaffUser;
  approver: StaffUser;
  admin: StaffUser;
  staff: (u: StaffUser) => Staff;
};

export async function publishingCouncil(
  services: Services,
  slug: string,
  settings: Record<string, unknown> = {},
): Promise<PublishingCouncil> {
  const { councilId, users } = await createCouncilWithStaff(services, slug, [
    { email: `author@${slug}.test`, role: 'comms', name: 'Ann Author' },
    { email: `approver@${slug}.test`, role: 'comms', name: 'Bob Approver' },
    { email: `admin@${slug}.test`, role: 'admin', name: 'Cat Admin' },
  ]);
  if (Object.keys(settings).length)
    await services.db.system
      .updateTable('councils')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', councilId)
      .execute();
  const [author, approver, admin] = users as [StaffUser, StaffUser, StaffUser];
  const staff = (u: StaffUser): Staff => ({
    actor: { councilId, userId: u.id, label: u.email },
    role: u.role,
  });
  return { councilId, author, approver, admin, staff };
}

export async function connectMastodon(
  services: Services,
  c: PublishingCouncil,
  server: { baseUrl: string; token: string },
  name = 'Council Mastodon',
): Promise<string> {
  const account = await services.channelAccounts.connect(c.staff(c.admin).actor, {
    kind: 'mastodon',
    name,
    settings: { baseUrl: server.baseUrl },
    credentials: { accessToken: server.token },
  });
  return account.id;
}

/** Drafts, submits and approves a post for the given accounts; returns its id and variant ids. */
export async function scheduledPost(
  services: Services,
  c: PublishingCouncil,
  fields: Record<string, string | string[]>,
): Promise<{ postId: string; variantIds: string[] }> {
  const posts = services.publishing.posts;
  const postId = await posts.saveDraft(c.staff(c.author), readPostForm(fields), {});
  await posts.submit(c.staff(c.author), postId, {});
  await posts.approve(c.staff(c.approver), postId);
  const view = await posts.get(c.councilId, postId);
  return { postId, variantIds: view.variants.map((v) => v.id) };
}

/** A queue that records what would be sent, for tests that drive the engine by hand. */
export class RecordingQueue implements PublishQueue {
  readonly sent: { kind: 'variant' | 'post'; id: string; startAfter: Date | undefined }[] = [];
  async sendVariant(_c: string, variantId: string, startAfter?: Date) {
    this.sent.push({ kind: 'variant', id: variantId, startAfter });
  }
  async sendPostDue(_c: string, postId: string, startAfter?: Date) {
    this.sent.push({ kind: 'post', id: postId, startAfter });
  }
}
