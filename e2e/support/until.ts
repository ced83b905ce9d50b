/**
 * Polls `probe` every `everyMs` until it returns something truthy, and returns that; fails after
 * `timeoutMs`, with the probe's last error as the cause. For what the app does in the background
 * (the job queue, the worker's listeners), whose end a browser journey cannot be told of.
 * @example const row = await until('the post in the queue', async () => (await rows()).find(isOurs));
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 10_000, everyMs = 200 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const found = await probe();
      if (found) return found;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}`, lastError ? { cause: lastError } : undefined);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
