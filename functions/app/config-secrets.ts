/**
 * Cleaning up the secrets configuration writes (account credentials, sensitive variable values)
 * once nothing refers to them. Both run after the table is already changed, so a failure is
 * reported back (for the audit event), never thrown: the change itself stands, and a secret
 * left behind under the prefix is only a cost, never a leak.
 */
import type { SecretStore } from '#domain/secrets.ts';

/**
 * Schedules a secret nobody refers to any more for deletion after the recovery window (it can
 * be restored meanwhile). Returns what happened, for the audit event.
 */
export async function scheduleDeletion(secrets: SecretStore, arn: string): Promise<string> {
  try {
    const deletion = await secrets.delete(arn);
    return `${arn} scheduled for deletion${deletion.deletionDate ? ` on ${deletion.deletionDate.toISOString()}` : ''}`;
  } catch (error) {
    return `${arn} not deleted (${(error as Error).name})`;
  }
}

/** Removes secrets made for a write that then failed: nothing ever referred to them, so no recovery window. */
export async function discard(secrets: SecretStore, arns: readonly string[]): Promise<void> {
  await Promise.all(arns.map((arn) => secrets.delete(arn, { force: true }).catch(() => undefined)));
}
