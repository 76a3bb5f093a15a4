/**
 * `conveyor apply` flags, checked at the edge: every problem is a UsageError (exit 2)
 * naming the flag, before any file is read or any cluster is contacted.
 */
import { parseArgs } from 'node:util';
import { formatBytes, MAX_INPUT_BYTES } from '#domain/render/limits.ts';
import { namespaceProblem, showNamespace } from '#domain/render/namespace.ts';
import { UsageError } from '../errors.ts';

export const APPLY_HELP = `usage: conveyor apply -f FILE [-f FILE ...] --kubeconfig PATH [options]

Renders manifests (variables, images), checks them against the target's namespace, applies
them with server-side apply (field manager "conveyor") and, with --wait, waits for the rollout.
  -f, --filename FILE     manifest file (YAML or JSON, multi-document, Lists; a DeployContainers
                          spec runs the deploy-containers step), or a directory of .yaml, .yml
                          and .json files; '-' reads stdin; repeatable. All -f input and the
                          --variables file together may be at most ${formatBytes(MAX_INPUT_BYTES)} of UTF-8 text
  --kubeconfig PATH       kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME          kubeconfig context (default: its current context)
  -n, --namespace NS      confine every object to NS: objects naming another namespace, and
                          cluster-scoped kinds, are rejected (default: the context's namespace,
                          else "default"; objects are always confined unless --admin is given)
  --admin                 an admin target: any namespace and cluster-scoped kinds are allowed;
                          cannot be combined with --namespace
  --default-namespace NS  with --admin: where objects that name no namespace go (default: the
                          context's namespace, else "default")
  --var NAME=VALUE        a variable for #{NAME}; repeatable
  --sensitive-var NAME=VALUE  a variable whose value is masked in all output; repeatable
  --variables FILE        variables file (YAML/JSON; '-' reads stdin): {NAME: VALUE} or a list of
                          {name, values: [{value, sensitive, scope}]}
  --image REPO=REF        bind images of REPO to tag or digest REF; repeatable
  --strategy S            deploy-containers strategy: Recreate, RollingUpdate or BlueGreen
  --environment NAME      #{Conveyor.Environment.Name} (default: local)
  --deployment-id ID      #{Conveyor.Deployment.Id} (default: generated)
  --force                 take fields owned by other field managers
  --wait                  wait until every object is ready (rollout rules per kind)
  --timeout SECONDS       the whole command's deadline (default 300): reading, connecting,
                          dry run, apply (every request retried on 429/5xx/resets until then)
                          and the wait all end by it
  --dry-run               validate on the server, change nothing
  --output text|json      text (default): progress as it happens; json: the final result

Exit codes: 0 done; 1 rollout failed or timed out; 2 bad input (nothing applied);
3 cluster or authentication error.`;

export const STRATEGIES = ['Recreate', 'RollingUpdate', 'BlueGreen'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type ApplyArgs = {
  files: string[];
  kubeconfig?: string;
  context?: string;
  /** The namespace every object is confined to (--namespace); absent: the context's. */
  namespace?: string;
  /** An admin target (--admin): no confining namespace, cluster-scoped kinds allowed. */
  admin: boolean;
  /** With --admin: where objects that name no namespace go; absent: the context's namespace. */
  defaultNamespace?: string;
  vars: { name: string; value: string; sensitive: boolean }[];
  variablesFile?: string;
  images: Record<string, string>;
  strategy?: Strategy;
  environment: string;
  deploymentId?: string;
  force: boolean;
  wait: boolean;
  timeoutSeconds: number;
  dryRun: boolean;
  output: 'text' | 'json';
  help: boolean;
};

const DEFAULT_TIMEOUT_SECONDS = 300;
const NAME_PATTERN = /^[A-Za-z0-9_.\-]+$/;

export function parseApplyArgs(argv: string[]): ApplyArgs {
  let values: Record<string, any>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        admin: { type: 'boolean', default: false },
        'default-namespace': { type: 'string' },
        var: { type: 'string', multiple: true },
        'sensitive-var': { type: 'string', multiple: true },
        variables: { type: 'string' },
        image: { type: 'string', multiple: true },
        strategy: { type: 'string' },
        environment: { type: 'string', default: 'local' },
        'deployment-id': { type: 'string' },
        force: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        output: { type: 'string', short: 'o', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true } as ApplyArgs;
  const files: string[] = values.filename ?? [];
  if (files.length === 0) throw new UsageError('at least one -f FILE is required');
  checkNamespaceFlags(values.namespace, values.admin, values['default-namespace']);
  const pair = (flag: string, text: string, sensitive = false) => {
    const eq = text.indexOf('=');
    // A sensitive argument without '=' may be the bare secret: never echo it.
    if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got ${sensitive ? 'something else (not shown: it may hold the value)' : `"${text}"`}`);
    return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
  };
  const vars = [
    ...(values.var ?? []).map((v: string) => ({ ...pair('--var', v), sensitive: false })),
    ...(values['sensitive-var'] ?? []).map((v: string) => ({ ...pair('--sensitive-var', v, true), sensitive: true })),
  ];
  for (const v of vars) if (!NAME_PATTERN.test(v.name)) throw new UsageError(`variable name "${v.name}" may only contain letters, digits, '.', '_' and '-'`);
  const images: Record<string, string> = {};
  for (const i of values.image ?? []) {
    const { name, value } = pair('--image', i);
    if (!value) throw new UsageError(`--image ${name}= needs a tag or digest after '='`);
    images[name] = value;
  }
  if (values.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(values.strategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${values.strategy}"`);
  }
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, got "${values.output}"`);
  if (values['deployment-id'] !== undefined && !/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(values['deployment-id'])) {
    throw new UsageError(`--deployment-id must be 1-40 lower-case letters, digits or '-', starting and ending alphanumeric, got "${values['deployment-id']}"`);
  }
  return {
    files,
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace,
    admin: values.admin,
    defaultNamespace: values['default-namespace'],
    vars,
    variablesFile: values.variables,
    images,
    strategy: values.strategy,
    environment: values.environment,
    deploymentId: values['deployment-id'],
    force: values.force,
    wait: values.wait,
    timeoutSeconds,
    dryRun: values['dry-run'],
    output: values.output,
    help: false,
  };
}

/**
 * The namespace flags: a namespace is the target's permission boundary, so a blank or
 * malformed value is refused (it must never read as "no namespace", which would be admin),
 * and admin mode is only ever asked for explicitly.
 */
function checkNamespaceFlags(namespace: string | undefined, admin: boolean, defaultNamespace: string | undefined): void {
  if (admin && namespace !== undefined) {
    throw new UsageError(`--admin and --namespace ${showNamespace(namespace)} contradict: --namespace confines every object to one namespace, --admin allows any; give one of them`);
  }
  if (defaultNamespace !== undefined && !admin) {
    throw new UsageError(`--default-namespace ${showNamespace(defaultNamespace)} needs --admin: a confined target puts every object in its namespace (--namespace)`);
  }
  for (const [flag, value] of [['--namespace', namespace], ['--default-namespace', defaultNamespace]] as const) {
    const problem = value === undefined ? undefined : namespaceProblem(value);
    if (problem) throw new UsageError(`${flag} ${showNamespace(value!)}: ${problem}`);
  }
}
