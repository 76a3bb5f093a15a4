/**
 * From what the table stores about a target (the Target item, its Account, and the account's
 * secret in Secrets Manager) to the engine's Target (functions/domain/model.ts), which the
 * cluster connector turns into a client. The secret is read through the per-container cache and
 * lives in memory only; messages name the account and the field, never the secret's content.
 */
import type { Target as EngineTarget } from '#domain/model.ts';
import { InvalidStateError } from '#domain/pipeline/errors.ts';
import type { Target } from '#domain/pipeline/model.ts';
import { engineTarget } from '../account-material.ts';
import type { TaskDeps } from './ports.ts';

/** A target of the deployment's environment, with the engine's view of it. */
export type ResolvedTarget = { stored: Target; engine: EngineTarget };

/** Reads the target and its account, checks the target serves `environmentId`, and resolves the account's secret. */
export async function resolveTarget(deps: Pick<TaskDeps, 'stores' | 'secretValues'>, targetId: string, environmentId: string): Promise<ResolvedTarget> {
  const stored = await deps.stores.targets.get(targetId);
  if (!stored.environments.includes(environmentId)) {
    throw new InvalidStateError(`target ${targetId}`, `does not serve environment ${environmentId} (it serves ${stored.environments.join(', ') || 'none'}); plan the deployment again`);
  }
  const account = await deps.stores.accounts.get(stored.accountId);
  return { stored, engine: await engineTarget(stored, account, deps.secretValues) };
}
