/**
 * Lookups the release-flow use cases share: a name in a request that does not exist answers
 * with the names that do (so a typo is fixed at once; references.ts, shared with the
 * configuration API), the channel a release goes to, the clean-up of a task token's secret once
 * its wait is answered, and bounded concurrency for reads that fan out.
 */
import type { Approval, Channel, Environment, Project } from '#domain/pipeline/model.ts';
import { SecretDeletedError, SecretNotFoundError } from '#domain/secret-errors.ts';
import type { SecretStore } from '#domain/secrets.ts';
import type { AppDeps } from './context.ts';
import { References } from './references.ts';

/**
 * The environment a request names; an unknown one is bad input (HTTP 400, UnknownReferenceError
 * listing the known environments in their order), like every reference a request body makes.
 */
export async function environmentOf(deps: AppDeps, environmentId: string, subject: string): Promise<Environment> {
  const environments = await deps.stores.environments.list();
  new References(subject)
    .check(
      'environmentId',
      'environment',
      [environmentId],
      environments.map((e) => e.id),
    )
    .throwIfAny();
  return environments.find((e) => e.id === environmentId)!;
}

/** The channel named (the project's default when none is); an unknown one is a 400 listing the project's channels. */
export function channelOf(project: Pick<Project, 'id' | 'channels' | 'defaultChannel'>, name?: string): Channel {
  const wanted = name ?? project.defaultChannel;
  new References(`project ${project.id}`)
    .check(
      'channel',
      'channel',
      [wanted],
      project.channels.map((c) => c.name),
    )
    .throwIfAny();
  return project.channels.find((c) => c.name === wanted)!;
}

/**
 * Deletes a task token's secret at once (a token is useless once its wait is over, and a
 * forgotten secret is kept and billed). Already gone is fine: a retried request, or the state
 * machine's own clean-up, may have deleted it.
 */
export async function deleteTokenSecret(secrets: SecretStore, arn: string): Promise<void> {
  try {
    await secrets.delete(arn, { force: true });
  } catch (error) {
    if (error instanceof SecretNotFoundError || error instanceof SecretDeletedError) return;
    throw error;
  }
}

/** An approval as the API shows it: where its task token is kept is nobody's business but the pipeline's. */
export type PublicApproval = Omit<Approval, 'taskTokenRef'>;

export function publicApproval(approval: Approval): PublicApproval {
  const { taskTokenRef: _, ...shown } = approval;
  return shown;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
export async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
