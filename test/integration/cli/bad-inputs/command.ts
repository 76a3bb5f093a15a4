/** The command's own bad inputs: flags, files, variables files, kubeconfig contexts, and what only the server's pre-flight dry run finds. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_CONTEXT, at, type BadInput, fixture, inTeamA, NS, env as shared } from './context.ts';

const settings = fixture('settings.yaml');
const env = shared as typeof shared & { noManifestsDir: string };

export async function setup(): Promise<void> {
  env.noManifestsDir = join(env.dir, 'no-manifests');
  mkdirSync(env.noManifestsDir);
  writeFileSync(join(env.noManifestsDir, 'notes.txt'), 'not a manifest\n');
}

export const cases: BadInput[] = [
  // Flags
  { name: 'an unknown flag', process: true, args: () => ['-f', settings, ...inTeamA, '--replicas', '3'], expect: ["Unknown option '--replicas'", 'usage: conveyor apply'] },
  { name: 'no -f', process: true, args: () => [...inTeamA, '--wait'], expect: ['at least one -f FILE is required'] },
  { name: '-f of a file that does not exist', args: () => ['-f', fixture('no-such-file.yaml'), ...inTeamA], expect: [`${fixture('no-such-file.yaml')}: no such file or directory`] },
  { name: '-f of a directory without manifests', args: () => ['-f', env.noManifestsDir, ...inTeamA], expect: () => [`${env.noManifestsDir}: the directory holds no .yaml, .yml or .json file`] },
  { name: '--var without "="', args: () => ['-f', settings, ...inTeamA, '--var', 'Greeting'], expect: ['--var expects NAME=VALUE, got "Greeting"'] },
  {
    name: '--sensitive-var without "=" (the argument is not echoed)',
    args: () => ['-f', settings, ...inTeamA, '--sensitive-var', 'hunter2-bare-secret'],
    expect: ['--sensitive-var expects NAME=VALUE'],
    secrets: ['hunter2-bare-secret'],
  },
  {
    name: '--var with an invalid name',
    args: () => ['-f', settings, ...inTeamA, '--var', 'Db Password=x'],
    expect: [`variable name "Db Password" may only contain letters, digits, '.', '_' and '-'`],
  },
  { name: '--image REPO without a tag or digest', args: () => ['-f', settings, ...inTeamA, '--image', 'nginx'], expect: ['--image "nginx" names no tag or digest; expected REPO=TAG'] },
  { name: '--image without a tag or digest', args: () => ['-f', settings, ...inTeamA, '--image', 'nginx='], expect: [`--image "nginx=": nothing after '='`] },
  {
    name: '--image with bad characters',
    args: () => ['-f', settings, ...inTeamA, '--image', 'ngi nx=1.27'],
    expect: ['image map entry "ngi nx": "1.27": invalid repository: invalid repository name "ngi nx"'],
  },
  {
    name: '--image with a malformed new reference',
    args: () => ['-f', settings, ...inTeamA, '--image', 'nginx=mirror.example.com/Nginx:1.27'],
    expect: ['image map entry "nginx": "mirror.example.com/Nginx:1.27": invalid image reference: repository name must be lowercase'],
  },
  {
    name: '--image with an invalid digest',
    args: () => ['-f', settings, ...inTeamA, '--image', 'nginx=sha256:abc'],
    expect: ['image map entry "nginx": "sha256:abc": a sha256 digest has 64 hex digits, found 3'],
  },
  { name: 'an unknown --strategy', args: () => ['-f', settings, ...inTeamA, '--strategy', 'Canary'], expect: ['--strategy must be one of Recreate, RollingUpdate, BlueGreen, got "Canary"'] },
  { name: '--timeout that is not a number', args: () => ['-f', settings, ...inTeamA, '--wait', '--timeout', 'soon'], expect: ['--timeout must be a positive number of seconds, got "soon"'] },
  { name: '--timeout 0', args: () => ['-f', settings, ...inTeamA, '--wait', '--timeout', '0'], expect: ['--timeout must be a positive number of seconds, got "0"'] },
  { name: 'an unknown --output', args: () => ['-f', settings, ...inTeamA, '--output', 'yaml'], expect: ['--output must be text or json, got "yaml"'] },
  {
    name: 'an invalid --deployment-id',
    args: () => ['-f', settings, ...inTeamA, '--deployment-id', 'Deploy_42'],
    expect: ["--deployment-id must be 1-40 lower-case letters, digits or '-'", 'got "Deploy_42"'],
  },
  // Variables files
  {
    name: 'a malformed --variables file',
    process: true,
    args: () => ['-f', settings, ...inTeamA, '--variables', fixture('variables-malformed.yaml')],
    expect: [`${fixture('variables-malformed.yaml')}: not valid YAML or JSON:`],
  },
  {
    name: 'a --variables file with an unknown scope key',
    args: () => ['-f', settings, ...inTeamA, '--variables', fixture('variables-unknown-scope.yaml')],
    expect: [`${fixture('variables-unknown-scope.yaml')}: entry 1 (Greeting) value 1: unknown scope "regions" (expected environments, targetTags, targets, steps)`],
  },
  {
    name: 'a --variables path that cannot be read (a directory)',
    args: () => ['-f', settings, ...inTeamA, '--variables', env.noManifestsDir],
    expect: () => [`${env.noManifestsDir}: cannot read: EISDIR`],
  },
  // Kubeconfig
  {
    name: 'a --context the kubeconfig does not have',
    process: true,
    args: () => ['-f', settings, ...inTeamA, '--context', 'staging'],
    expect: () => [`kubeconfig ${env.t.kubeconfigPath} has no context "staging" (contexts: sandbox-admin, sandbox-cert, sandbox-basic)`],
  },
  {
    name: 'a --kubeconfig that does not exist',
    args: () => ['-f', settings, ...inTeamA, '--kubeconfig', join(env.t.dir, 'missing-kubeconfig')],
    expect: () => [`cannot read kubeconfig ${join(env.t.dir, 'missing-kubeconfig')}`],
  },
  // Found by the server in the pre-flight dry run
  {
    name: 'a field the schema lacks (spec.replicaz), rejected in the dry run',
    process: true,
    args: () => ['-f', fixture('unknown-field.yaml'), ...inTeamA],
    expect: ['the cluster rejected 1 object; nothing was applied', `${at('unknown-field.yaml')}Deployment/${NS}/typo: `, '.spec.replicaz: field not declared in schema'],
  },
  {
    name: 'a field of the wrong type (replicas: "two"), rejected in the dry run',
    args: () => ['-f', fixture('wrong-type.yaml'), ...inTeamA, '--output', 'json'],
    error: 'ObjectsRejectedError',
    expect: [
      'the cluster rejected 1 object; nothing was applied',
      `${at('wrong-type.yaml')}Deployment/${NS}/two: `,
      'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    ],
  },
  {
    name: 'a field owned by another field manager, without --force',
    process: true,
    args: () => ['-f', fixture('conflict.yaml'), ...inTeamA],
    expect: [`${at('conflict.yaml', 2)}ConfigMap/${NS}/owned: `, '.data.mode (managed by "kubectl"); apply with force to take them'],
  },
  // Deploy-containers spec and the namespace boundary
  {
    name: 'a DeployContainers spec with an invalid container port',
    process: true,
    args: () => ['-f', fixture('deploy-containers-bad-port.yaml'), ...inTeamA, '--deployment-id', 'd1'],
    expect: [`${at('deploy-containers-bad-port.yaml')}spec.containers[0].ports[0].containerPort: must be 1-65535`],
  },
  {
    name: 'a Secret in another namespace than --namespace',
    args: () => ['-f', fixture('secret-other-namespace.yaml'), ...inTeamA, '--output', 'json'],
    error: 'NamespaceBoundaryError',
    expect: [`${at('secret-other-namespace.yaml')}Secret/credentials is in namespace "team-b", but target "${ADMIN_CONTEXT}" is confined to namespace "${NS}"`],
  },
  {
    name: 'a cluster-scoped ClusterRole with --namespace',
    process: true,
    args: () => ['-f', fixture('cluster-role.yaml'), ...inTeamA],
    expect: [`${at('cluster-role.yaml')}ClusterRole/settings-reader is cluster-scoped, but target "${ADMIN_CONTEXT}" is confined to namespace "${NS}" (not an admin target)`],
  },
];
