/**
 * The namespace flags of `conveyor apply`: admin only with --admin, never from a blank or
 * malformed --namespace, --default-namespace only for an admin target. No network.
 */
import { describe, expect, it } from 'vitest';
import { parseApplyArgs } from '#cli/apply/args.ts';
import { UsageError } from '#cli/errors.ts';

const F = ['-f', 'app.yaml'];

function refusal(argv: string[]): string {
  try {
    parseApplyArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('namespace flags', () => {
  it('without flags: confined (to the context namespace, decided later), not admin', () => {
    // Act
    const args = parseApplyArgs(F);

    // Assess
    expect(args).toMatchObject({ admin: false });
    expect(args.namespace).toBeUndefined();
    expect(args.defaultNamespace).toBeUndefined();
  });

  it('--namespace, -n, --admin and --admin --default-namespace', () => {
    expect(parseApplyArgs([...F, '--namespace', 'team-a'])).toMatchObject({ namespace: 'team-a', admin: false });
    expect(parseApplyArgs([...F, '-n', 'team-b'])).toMatchObject({ namespace: 'team-b', admin: false });
    expect(parseApplyArgs([...F, '--admin'])).toMatchObject({ admin: true });
    expect(parseApplyArgs([...F, '--admin', '--default-namespace', 'apps'])).toMatchObject({ admin: true, defaultNamespace: 'apps' });
  });

  it.each([
    [['--namespace', ''], '--namespace "": a namespace name may not be empty or blank'],
    [['--namespace='], '--namespace "": a namespace name may not be empty or blank'],
    [['-n', ' '], '--namespace " ": a namespace name may not be empty or blank'],
    [['--namespace', '\t'], '--namespace "\\t": a namespace name may not be empty or blank'],
    [['--namespace', '../x'], '--namespace "../x": a namespace name is a DNS-1123 label'],
    [['--namespace', 'UPPER'], '--namespace "UPPER": a namespace name is a DNS-1123 label'],
    [['--namespace', 'team-a '], '--namespace "team-a ": a namespace name is a DNS-1123 label'],
    [['--namespace', 'a'.repeat(64)], 'a namespace name must be at most 63 characters (found 64)'],
    [['--admin', '--default-namespace', ''], '--default-namespace "": a namespace name may not be empty or blank'],
    [['--admin', '--default-namespace', 'kube_system'], '--default-namespace "kube_system": a namespace name is a DNS-1123 label'],
  ])('refuses %j, naming the flag and the value', (flags, message) => {
    expect(refusal([...F, ...flags])).toContain(message);
  });

  it('refuses --admin with --namespace: they contradict', () => {
    expect(refusal([...F, '--admin', '--namespace', 'team-a'])).toBe(
      '--admin and --namespace "team-a" contradict: --namespace confines every object to one namespace, --admin allows any; give one of them',
    );
    // Even an empty --namespace is not taken for "no namespace".
    expect(refusal([...F, '--namespace', '', '--admin'])).toContain('--admin and --namespace "" contradict');
  });

  it('refuses --default-namespace without --admin', () => {
    expect(refusal([...F, '--default-namespace', 'apps'])).toBe('--default-namespace "apps" needs --admin: a confined target puts every object in its namespace (--namespace)');
    expect(refusal([...F, '--namespace', 'team-a', '--default-namespace', 'apps'])).toContain('--default-namespace "apps" needs --admin');
  });
});
