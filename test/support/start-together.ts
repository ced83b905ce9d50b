/**
 * Starts several servers at once, like Promise.all, but when one fails to start closes the
 * others before throwing: a PDS child process or a listening socket left open would keep the
 * test file's process alive long after its `before` hook failed.
 */
type Closable = { close: () => Promise<unknown> };

/**
 * @example const [pds, sink] = await startTogether([startBlueskyPeer(), startSmtpSink()]);
 */
export async function startTogether<T extends readonly Promise<Closable>[] | []>(
  starting: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const all: readonly Promise<Closable>[] = starting;
  const settled = await Promise.allSettled(all);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<Closable>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
