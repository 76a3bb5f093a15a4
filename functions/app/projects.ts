/**
 * Projects: their lifecycle, deployment process, variables and channels. A save checks the whole
 * definition first (project-definition.ts), then writes sensitive values to the secret store
 * (project-variables.ts), then the project; a failed project write discards the secrets it made.
 *
 * Secrets that no value refers to any more are deleted only while the project has no release:
 * a release snapshot keeps the ARNs of its variables, and a redeploy of that release needs them.
 * Deleting a project (possible only without releases) schedules all its secrets for deletion.
 */
import { VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Project, ProjectSummary } from '#domain/pipeline/model.ts';
import { discard, scheduleDeletion } from './config-secrets.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { checkDefinition, type ProjectInput } from './project-definition.ts';
import { type ProjectView, projectView, type StoredVariables, secretArnsOf, storeVariables } from './project-variables.ts';
import { subjectOf } from './references.ts';

export type { ProjectInput } from './project-definition.ts';
export type NewProjectInput = ProjectInput & { id: string };
export type ProjectUpdate = ProjectInput & { version: number };

const LIST_SUBJECT = 'projects';

/** Audit details: names only (steps, variables, channels), never a value. */
function details(project: Project, stored: StoredVariables): Record<string, string | number | string[]> {
  const sensitive = project.variables.filter((variable) => variable.values.some((value) => 'secretArn' in value)).map((variable) => variable.name);
  return {
    name: project.name,
    lifecycle: project.lifecycleId,
    steps: project.process.map((step) => `${step.name} (${step.kind})`),
    variables: project.variables.map((variable) => variable.name),
    sensitiveVariables: sensitive,
    sensitiveValuesWritten: stored.created.length + stored.updated.length,
    channels: project.channels.map((channel) => channel.name),
    defaultChannel: project.defaultChannel,
    version: project.version,
  };
}

export async function listProjects(deps: AppDeps, caller: Caller): Promise<ProjectSummary[]> {
  await authorize(deps, caller, 'read', LIST_SUBJECT);
  return deps.stores.projects.list();
}

/** The project with sensitive values shown as `{ sensitive: true }`. @throws NotFoundError */
export async function getProject(deps: AppDeps, caller: Caller, id: string): Promise<ProjectView> {
  await authorize(deps, caller, 'read', subjectOf('project', id));
  return projectView(await deps.stores.projects.get(id));
}

/** @throws ValidationError, UnknownReferenceError, DuplicateError, TooLargeError */
export async function createProject(deps: AppDeps, caller: Caller, input: NewProjectInput): Promise<ProjectView> {
  const subject = subjectOf('project', input.id);
  await authorize(deps, caller, 'configure', subject);
  const definition = await checkDefinition(deps, input.id, input);
  const stored = await storeVariables(deps, input.id, input.variables);
  let created: Project;
  try {
    created = await deps.stores.projects.create({
      id: input.id,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      lifecycleId: input.lifecycleId,
      variables: stored.variables,
      ...definition,
    });
  } catch (error) {
    await discard(deps.secrets, stored.created);
    throw error;
  }
  await audit(deps, caller, 'project.create', subject, details(created, stored));
  return projectView(created);
}

/** @throws NotFoundError, VersionConflictError, ValidationError, UnknownReferenceError, TooLargeError */
export async function updateProject(deps: AppDeps, caller: Caller, id: string, input: ProjectUpdate): Promise<ProjectView> {
  const subject = subjectOf('project', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.projects.get(id);
  // Checked before any secret is written: a stale save must not change sensitive values either.
  if (current.version !== input.version) throw new VersionConflictError(`project ${id}`, input.version, current.version);
  const definition = await checkDefinition(deps, id, input);
  const stored = await storeVariables(deps, id, input.variables, current.variables);
  let updated: Project;
  try {
    updated = await deps.stores.projects.update({
      id,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      lifecycleId: input.lifecycleId,
      variables: stored.variables,
      ...definition,
      releaseCounter: current.releaseCounter,
      version: input.version,
    });
  } catch (error) {
    await discard(deps.secrets, stored.created);
    throw error;
  }
  // Releases keep the ARNs of the values they were made with: those secrets stay while releases exist.
  const cleanup = updated.releaseCounter === 0 ? await Promise.all(stored.unused.map((arn) => scheduleDeletion(deps.secrets, arn))) : [];
  await audit(deps, caller, 'project.update', subject, {
    ...details(updated, stored),
    ...(cleanup.length ? { cleanup } : {}),
    ...(updated.releaseCounter > 0 && stored.unused.length ? { unusedKeptForReleases: stored.unused } : {}),
  });
  return projectView(updated);
}

/** @throws NotFoundError, VersionConflictError, InvalidStateError (the project has releases) */
export async function deleteProject(deps: AppDeps, caller: Caller, id: string, version: number): Promise<void> {
  const subject = subjectOf('project', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.projects.get(id);
  await deps.stores.projects.delete(id, version);
  const cleanup = await Promise.all(secretArnsOf(current.variables).map((arn) => scheduleDeletion(deps.secrets, arn)));
  await audit(deps, caller, 'project.delete', subject, { name: current.name, version, ...(cleanup.length ? { cleanup } : {}) });
}
