/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
export async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
