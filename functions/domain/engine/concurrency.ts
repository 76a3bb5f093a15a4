/**
 * Runs `task` over `items` with at most `limit` in flight. After the first failure no new item
 * starts, but the ones in flight are waited for before it is thrown: the caller must know
 * exactly what was done (which objects a failed apply step left applied).
 */
export async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/** Like forEachLimited but runs everything and returns the failures instead of stopping. */
export async function settleLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  await forEachLimited(items, limit, async (item) => {
    try {
      await task(item);
    } catch (error) {
      failures.push({ item, error });
    }
  });
  return failures;
}
