/**
 * The demo's configuration calls, idempotent so a second run on the same data goes through:
 * each entity is read first, created when missing, replaced (with the version read) when it
 * differs, and left alone when it is already as wanted. Every call goes through the HTTP API,
 * signed as the user whose role allows it, as `conveyor env create` and the like would send it.
 */
import { type ApiClient, pathOf } from '#cli/api/client.ts';
import { ApiError } from '#cli/api/errors.ts';

/** Versions tried past the project's counter before giving up. */
const VERSION_ATTEMPTS = 20;

export type Outcome = 'created' | 'updated' | 'unchanged';

type Versioned = { version: number };

/** JSON with object keys sorted, so two values compare equal whatever order their fields came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** Whether `found` already has every field of `wanted` (deep). */
function hasAll(found: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => canonical(found[key]) === canonical(value));
}

/**
 * Creates `{id, ...fields}` under `collection`, or replaces the entity at `collection/{id}` with
 * `fields` when `compare` says it differs (always, without `compare`: write-only fields such as
 * a token cannot be compared).
 */
export async function upsert(api: ApiClient, collection: string, id: string, fields: Record<string, unknown>, compare = true): Promise<Outcome> {
  const item = `${collection}/${pathOf('{id}', { id })}`;
  const found = await api.find<Record<string, unknown> & Versioned>(item);
  if (!found) {
    await api.post(collection, { id, ...fields });
    return 'created';
  }
  if (compare && hasAll(found, fields)) return 'unchanged';
  await api.put(item, { ...fields, version: found.version });
  return 'updated';
}

/**
 * Creates a release of `projectId` at the first free version `version(n)`, n from the project's
 * next release number on (a person may have made releases of their own meanwhile).
 */
export async function createRelease(api: ApiClient, projectId: string, version: (n: number) => string, notes: string): Promise<string> {
  const project = await api.get<{ releaseCounter: number }>(pathOf('/projects/{projectId}', { projectId }));
  for (let n = project.releaseCounter + 1; n <= project.releaseCounter + VERSION_ATTEMPTS; n++) {
    try {
      await api.post(pathOf('/projects/{projectId}/releases', { projectId }), { version: version(n), notes });
      return version(n);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'DuplicateError')) throw error;
    }
  }
  throw new Error(`no free release version for ${projectId} after ${VERSION_ATTEMPTS} attempts`);
}
