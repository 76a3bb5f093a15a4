/**
 * Helpers for tests that call the sandbox through @kubernetes/client-node.
 */
import { ApiException } from '@kubernetes/client-node';

/** The ApiException a call rejects with (fails the test if it resolves or throws something else). */
export async function apiError(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const raw = (error as ApiException<unknown>).body;
    let body: any = raw;
    if (typeof raw === 'string') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    return { code: error.code, body };
  }
  throw new Error('expected the call to fail with an ApiException');
}
