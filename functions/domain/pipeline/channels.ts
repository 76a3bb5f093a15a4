/**
 * Channel rules: which image versions a channel accepts, per repository. A rule may give an
 * npm-style semver range (`>=2.0.0 <3.0.0`; pre-releases only when the range names one), a
 * regular expression the whole tag must match, or both (both must hold). A repository without
 * a rule accepts any tag. The same functions validate rules when a project is saved and pick
 * images when a release is created or an image is pushed.
 */
import semver from 'semver';
import type { Channel, ChannelRule } from './model.ts';

/** Longer patterns are refused: a regex from configuration runs on every push. */
export const MAX_TAG_PATTERN_LENGTH = 200;
/** Docker's limit on a tag. */
export const MAX_TAG_LENGTH = 128;

/** What is wrong with a channel's rules (empty when nothing), each naming the rule. */
export function channelProblems(channel: Channel): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  channel.rules.forEach((rule, i) => {
    const where = `channel ${channel.name} rule ${i + 1} (${rule.repository})`;
    if (seen.has(rule.repository)) problems.push(`${where}: a second rule for the same repository`);
    seen.add(rule.repository);
    if (rule.versionRange !== undefined && semver.validRange(rule.versionRange) === null) problems.push(`${where}: versionRange is not a semver range`);
    if (rule.tagPattern !== undefined) {
      if (rule.tagPattern.length > MAX_TAG_PATTERN_LENGTH) problems.push(`${where}: tagPattern is longer than ${MAX_TAG_PATTERN_LENGTH} characters`);
      else {
        try {
          new RegExp(rule.tagPattern);
        } catch {
          problems.push(`${where}: tagPattern is not a regular expression`);
        }
      }
    }
  });
  return problems;
}

/** A tag as a semver version (`1.4.2`, `v1.4.2`, `2.0.0-rc.1`), or null when it is not one. */
function semverOf(tag: string): string | null {
  return semver.valid(tag.replace(/^v/, ''));
}

/** Whether `rule` accepts `tag` (both conditions, when both are given). */
export function ruleAccepts(rule: ChannelRule, tag: string): boolean {
  if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) return false;
  if (rule.tagPattern !== undefined && !new RegExp(`^(?:${rule.tagPattern})$`).test(tag)) return false;
  if (rule.versionRange !== undefined) {
    const version = semverOf(tag);
    if (!version || !semver.satisfies(version, rule.versionRange)) return false;
  }
  return true;
}

/** Whether `channel` accepts `tag` for `repository`: the repository's rule, or any tag without one. */
export function channelAccepts(channel: Channel, repository: string, tag: string): boolean {
  const rule = channel.rules.find((r) => r.repository === repository);
  return rule ? ruleAccepts(rule, tag) : tag.length > 0 && tag.length <= MAX_TAG_LENGTH;
}

/** An image version seen in a repository (from a push), for picking the latest one a channel accepts. */
export type KnownTag = { tag: string; digest?: string; pushedAt: string };

/**
 * The latest tag `channel` accepts among `tags`: the highest semver version when the rule has a
 * range (ties and non-semver tags by push time), else the most recently pushed.
 */
export function latestAccepted(channel: Channel, repository: string, tags: KnownTag[]): KnownTag | undefined {
  const accepted = tags.filter((t) => channelAccepts(channel, repository, t.tag));
  if (!accepted.length) return undefined;
  const rule = channel.rules.find((r) => r.repository === repository);
  const byTime = (a: KnownTag, b: KnownTag) => b.pushedAt.localeCompare(a.pushedAt);
  if (rule?.versionRange === undefined) return [...accepted].sort(byTime)[0];
  return [...accepted].sort((a, b) => semver.rcompare(semverOf(a.tag)!, semverOf(b.tag)!) || byTime(a, b))[0];
}
