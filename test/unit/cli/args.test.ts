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

describe('--image', () => {
  const DIGEST = `sha256:${'0a'.repeat(32)}`;

  it.each([
    ['REPO=TAG', 'nginx=1.27', { nginx: '1.27' }],
    ['REPO=@DIGEST', `nginx=@${DIGEST}`, { nginx: `@${DIGEST}` }],
    ['REPO=NEWREPO:TAG', 'nginx=123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx:1.27', { nginx: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx:1.27' }],
    ['REPO=NEWREPO@DIGEST', `nginx=mirror.example.com/nginx@${DIGEST}`, { nginx: `mirror.example.com/nginx@${DIGEST}` }],
    ['REPO:TAG', 'docker.io/library/nginx:1.27', { 'docker.io/library/nginx': '1.27' }],
    ['REPO@DIGEST', `localhost:5000/team/app@${DIGEST}`, { 'localhost:5000/team/app': DIGEST }],
    ['REPO:TAG@DIGEST', `nginx:1.27@${DIGEST}`, { nginx: `1.27@${DIGEST}` }],
  ])('takes %s', (_form, flag, images) => {
    // Act
    const args = parseApplyArgs([...F, '--image', flag]);

    // Assess: the map the engine binds with, and the flag it came from for messages.
    expect(args.images).toEqual(images);
    expect(Object.values(args.imageFlags)).toEqual([flag]);
    expect(args.allowUnusedImages).toBe(false);
  });

  it('--allow-unused-images is off unless given', () => {
    expect(parseApplyArgs([...F, '--image', 'nginx=1', '--allow-unused-images']).allowUnusedImages).toBe(true);
  });

  it.each([
    ['', '--image "": the repository is missing'],
    ['=1.27', '--image "=1.27": the repository is missing'],
    ['nginx=', `--image "nginx=": nothing after '='`],
    ['nginx', '--image "nginx" names no tag or digest'],
    ['nginx@sha256:xyz', '--image "nginx@sha256:xyz": invalid digest "sha256:xyz"'],
    ['Nginx:1.27', '--image "Nginx:1.27": repository name must be lowercase'],
  ])('refuses the malformed form %j, naming the value and what is wrong', (flag, expected) => {
    // Act
    const message = refusal([...F, '--image', flag]);

    // Assess
    expect(message).toContain(expected);
    expect(message).toContain('expected REPO=TAG, REPO=@sha256:<64 hex>, REPO=NEWREPO[:TAG][@sha256:<64 hex>], REPO:TAG or REPO@sha256:<64 hex>');
  });

  it('refuses two flags for one repository, in any spelling', () => {
    expect(refusal([...F, '--image', 'nginx=1.27', '--image', 'docker.io/library/nginx:1.28'])).toBe(
      '--image "docker.io/library/nginx:1.28" and --image "nginx=1.27" both set repository docker.io/library/nginx; give one',
    );
  });
});
