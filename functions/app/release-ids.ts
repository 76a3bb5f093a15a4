/**
 * How a release is named outside the table. The data model has no global release id: a release
 * is a project's release number. State machines and their tasks carry it as one string,
 * `releaseId = "<projectId>/<releaseNumber>"` (`web/7`): the project id is a slug, so it holds no
 * `/`, and the number is the store's (1, 2, 3...). The release lifecycle execution of a release
 * is named `<projectId>-<releaseNumber>` (`web-7`), which makes its start idempotent: Step
 * Functions returns the running execution for a second start with the same name and input.
 * HTTP routes address a release by project and version (`/projects/web/releases/1.4.2`).
 */
import { ValidationError } from '#domain/pipeline/errors.ts';
import { type ReleaseSummary, SLUG_PATTERN } from '#domain/pipeline/model.ts';

/** `<projectId>/<releaseNumber>`, as the release-lifecycle state machine carries it. */
export const RELEASE_ID_PATTERN = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\/([1-9][0-9]{0,9})$/;

export type ReleaseKey = Pick<ReleaseSummary, 'projectId' | 'number'>;

/** `web/7`. */
export function releaseIdOf(release: ReleaseKey): string {
  return `${release.projectId}/${release.number}`;
}

/** The project and number of a releaseId; a ValidationError for anything else. */
export function parseReleaseId(releaseId: string): ReleaseKey {
  const match = RELEASE_ID_PATTERN.exec(releaseId);
  if (!match || !SLUG_PATTERN.test(match[1]!)) throw new ValidationError('releaseId', ['must be "<projectId>/<releaseNumber>", such as "web/7"']);
  return { projectId: match[1]!, number: Number(match[2]) };
}

/** The release lifecycle execution's name: `web-7` (Step Functions names allow letters, digits, `-` and `_`). */
export function lifecycleExecutionName(release: ReleaseKey): string {
  return `${release.projectId}-${release.number}`;
}

/** The audit subject of a release: `release/web/7`. */
export function releaseSubject(release: ReleaseKey): string {
  return `release/${releaseIdOf(release)}`;
}
