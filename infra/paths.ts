/** Where the CDK app finds the project's files: handlers, state machines, the lock file. */
import { fileURLToPath } from 'node:url';

/** The repository root: catalog entries and state machine files are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The lock file NodejsFunction hashes and bundles against (one for the whole project). */
export const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

/** Catalog names are kebab-case (`check-rollout`); construct ids are PascalCase (`CheckRollout`), stable as long as the names are. */
export function constructId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
