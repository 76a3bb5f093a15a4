/**
 * Environments: list and read (any role), create, replace and delete (Admin). Names are unique
 * regardless of case, so that "Production" and "production" never sit side by side on the
 * dashboard; an environment still named by a lifecycle, a target or a role grant is not deleted.
 */
import { DuplicateError } from '#domain/pipeline/errors.ts';
import type { Environment } from '#domain/pipeline/model.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { inUse, subjectOf } from './references.ts';

/** What a caller sets on an environment; `order` defaults to after the last one. */
export type EnvironmentInput = { name: string; order?: number; description?: string };
export type NewEnvironmentInput = EnvironmentInput & { id: string };
export type EnvironmentUpdate = EnvironmentInput & { version: number };

const LIST_SUBJECT = 'environments';

function assertNameFree(all: Environment[], id: string, name: string): void {
  const taken = all.find((environment) => environment.id !== id && environment.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new DuplicateError(`environment ${id}`, `cannot be named "${name}": environment ${taken.id} has that name`);
}

function fields(input: EnvironmentInput, order: number): Pick<Environment, 'name' | 'order' | 'description'> {
  return { name: input.name, order, ...(input.description !== undefined ? { description: input.description } : {}) };
}

export async function listEnvironments(deps: AppDeps, caller: Caller): Promise<Environment[]> {
  await authorize(deps, caller, 'read', LIST_SUBJECT);
  return deps.stores.environments.list();
}

/** @throws NotFoundError */
export async function getEnvironment(deps: AppDeps, caller: Caller, id: string): Promise<Environment> {
  await authorize(deps, caller, 'read', subjectOf('environment', id));
  return deps.stores.environments.get(id);
}

/** @throws DuplicateError (id or name taken) */
export async function createEnvironment(deps: AppDeps, caller: Caller, input: NewEnvironmentInput): Promise<Environment> {
  const subject = subjectOf('environment', input.id);
  await authorize(deps, caller, 'configure', subject);
  const all = await deps.stores.environments.list();
  assertNameFree(all, input.id, input.name);
  const order = input.order ?? Math.max(-1, ...all.map((environment) => environment.order)) + 1;
  const created = await deps.stores.environments.create({ id: input.id, ...fields(input, order) });
  await audit(deps, caller, 'environment.create', subject, { name: created.name, order: created.order });
  return created;
}

/** @throws NotFoundError, VersionConflictError, DuplicateError (name taken) */
export async function updateEnvironment(deps: AppDeps, caller: Caller, id: string, input: EnvironmentUpdate): Promise<Environment> {
  const subject = subjectOf('environment', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.environments.get(id);
  assertNameFree(await deps.stores.environments.list(), id, input.name);
  const updated = await deps.stores.environments.update({ id, ...fields(input, input.order ?? current.order), version: input.version });
  await audit(deps, caller, 'environment.update', subject, { name: updated.name, order: updated.order, version: updated.version });
  return updated;
}

/** @throws NotFoundError, VersionConflictError, InvalidStateError (still used) */
export async function deleteEnvironment(deps: AppDeps, caller: Caller, id: string, version: number): Promise<void> {
  const subject = subjectOf('environment', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.environments.get(id);
  const [lifecycles, targets, bindings] = await Promise.all([deps.stores.lifecycles.list(), deps.stores.targets.list(), deps.stores.roles.list()]);
  const refusal = inUse(`environment ${id}`, {
    lifecycles: lifecycles.filter((l) => l.phases.some((phase) => phase.environments.includes(id))).map((l) => l.id),
    targets: targets.filter((t) => t.environments.includes(id)).map((t) => t.id),
    'role bindings of': bindings.filter((b) => b.roles.some((grant) => grant.environments?.includes(id))).map((b) => b.principalArn),
  });
  if (refusal) throw refusal;
  await deps.stores.environments.delete(id, version);
  await audit(deps, caller, 'environment.delete', subject, { name: current.name, version });
}
