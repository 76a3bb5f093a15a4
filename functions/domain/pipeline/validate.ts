/**
 * The checks every store makes before a write, whatever validated the input before: ids that
 * go into keys, and the rule that no secret value is stored (a field meant for a secret ARN
 * holds one). Full input validation happens at the edge (handler schemas); these guard the
 * table's invariants. Problems name the field, never its content: a refused "ARN" may be the
 * secret itself.
 */
import { ValidationError } from './errors.ts';
import { type Account, type Project, type ProjectVariable, SECRET_ARN_PATTERN, SLUG_PATTERN, type Target } from './model.ts';

/** Release versions: semver-like text, no `#` (it separates key parts), at most 128 characters. */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,127}$/;
/** Image digests as registries report them. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** Target tags: like slugs, so that they can be key parts. */
export const TAG_PATTERN = SLUG_PATTERN;

/** Collects problems of one subject, then throws them together. */
export class Problems {
  readonly list: string[] = [];
  slug(field: string, value: string | undefined): this {
    if (value === undefined || !SLUG_PATTERN.test(value)) this.list.push(`${field} must be a slug (lower-case letters, digits and dashes, 1 to 63 long)`);
    return this;
  }
  match(field: string, value: string | undefined, pattern: RegExp, what: string): this {
    if (value === undefined || !pattern.test(value)) this.list.push(`${field} must be ${what}`);
    return this;
  }
  secretArn(field: string, value: string | undefined): this {
    if (value !== undefined && !SECRET_ARN_PATTERN.test(value)) this.list.push(`${field} must be a Secrets Manager secret ARN (secret values are never stored)`);
    return this;
  }
  check(condition: boolean, problem: string): this {
    if (!condition) this.list.push(problem);
    return this;
  }
  throwIfAny(subject: string): void {
    if (this.list.length > 0) throw new ValidationError(subject, this.list);
  }
}

export function assertSlug(subject: string, field: string, value: string): void {
  new Problems().slug(field, value).throwIfAny(subject);
}

export function assertAccount(account: Pick<Account, 'id' | 'kind' | 'secretArn'>): void {
  const p = new Problems().slug('id', account.id).secretArn('secretArn', account.secretArn);
  p.check(account.kind === 'eks' || account.secretArn !== undefined, `a ${account.kind} account needs secretArn (its secret material lives in Secrets Manager)`);
  p.throwIfAny(`account ${account.id}`);
}

export function assertTarget(target: Pick<Target, 'id' | 'accountId' | 'environments' | 'tags'>): void {
  const p = new Problems().slug('id', target.id).slug('accountId', target.accountId);
  target.environments.forEach((env, i) => p.slug(`environments[${i}]`, env));
  target.tags.forEach((tag, i) => p.match(`tags[${i}]`, tag, TAG_PATTERN, 'a slug'));
  p.throwIfAny(`target ${target.id}`);
}

function variableProblems(p: Problems, variables: ProjectVariable[], at: string): void {
  variables.forEach((variable, i) =>
    variable.values.forEach((value, j) => {
      if ('secretArn' in value) p.secretArn(`${at}[${i}] (${variable.name}).values[${j}].secretArn`, value.secretArn);
    }),
  );
}

export function assertProject(project: Pick<Project, 'id' | 'lifecycleId' | 'variables' | 'defaultChannel' | 'channels'>): void {
  const p = new Problems().slug('id', project.id).slug('lifecycleId', project.lifecycleId);
  variableProblems(p, project.variables, 'variables');
  p.check(
    project.channels.some((channel) => channel.name === project.defaultChannel),
    `defaultChannel "${project.defaultChannel}" is not one of the project's channels`,
  );
  p.throwIfAny(`project ${project.id}`);
}

export function assertRelease(release: { projectId: string; version: string; channel: string; sourceDigest?: string; snapshot: { variables: ProjectVariable[] } }): void {
  const p = new Problems().slug('projectId', release.projectId).match('version', release.version, VERSION_PATTERN, 'letters, digits, ".", "+", "_" or "-", at most 128');
  p.slug('channel', release.channel);
  if (release.sourceDigest !== undefined) p.match('sourceDigest', release.sourceDigest, DIGEST_PATTERN, 'a sha256: digest');
  variableProblems(p, release.snapshot.variables, 'snapshot.variables');
  p.throwIfAny(`release ${release.version} of project ${release.projectId}`);
}
