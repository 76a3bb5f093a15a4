/** Small assertion helpers shared by integration suites. */

/** Awaits a rejection and returns it (fails when the promise resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
