/**
 * A kubeconfig context as a Conveyor target and account (`conveyor target import`): the
 * cluster's server, CA data or explicit insecure-skip-tls-verify and the context's namespace
 * make the target; the user makes the account — a token (inline or token-file), a username and
 * password, a client certificate and key, or an `exec` entry running `aws eks get-token` (or
 * aws-iam-authenticator), which becomes an EKS account with the cluster name, region and role
 * its arguments name. Conveyor then mints EKS tokens itself, as the function's AWS role.
 *
 * Other exec plugins and auth-providers hand out short-lived tokens a stored account could not
 * renew, so they are refused with what to use instead. The kubeconfig is read by the same
 * reader as `conveyor apply` (kubeconfig-file.ts); no message carries a secret.
 */
import { basename } from 'node:path';
import { type Entry, KubeconfigFile, type NamedEntry } from '../apply/kubeconfig-file.ts';
import { contextNamespace, staticAccount } from '../apply/kubeconfig-target.ts';
import { UsageError } from '../errors.ts';

export type ImportedAccount =
  | { kind: 'token'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'certificate'; certificatePem: string; privateKeyPem: string }
  | { kind: 'eks'; clusterName: string; region: string; roleArn?: string };

export type ImportedContext = {
  context: string;
  url: string;
  caPem?: string;
  skipTlsVerify?: true;
  /** The context's namespace, when it names one. */
  namespace?: string;
  account: ImportedAccount;
};

/** `https://ABC.gr7.eu-west-1.eks.amazonaws.com`: EKS endpoints carry their region. */
const EKS_ENDPOINT = /\.([a-z]{2}(?:-[a-z]+)+-\d)\.eks\.amazonaws\.com(?:\.cn)?$/;
const REGION_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION'];
const NO_PLUGIN_HELP =
  'Conveyor stores long-lived credentials: create a ServiceAccount token for it (kubectl create token, or a service-account-token Secret), or use an EKS cluster with `aws eks get-token`';

/** The value of `--flag VALUE` or `--flag=VALUE` among `args` (any of `flags`). */
function argument(args: readonly string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const flag of flags) {
      if (args[i] === flag) return args[i + 1];
      if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
    }
  }
  return undefined;
}

function execEnvironment(exec: Entry): Record<string, string> {
  const env = Array.isArray(exec.env) ? exec.env : [];
  return Object.fromEntries(env.filter((e): e is { name: string; value: string } => typeof e?.name === 'string' && typeof e?.value === 'string').map((e) => [e.name, e.value]));
}

/** An `aws eks get-token` or aws-iam-authenticator exec entry as an EKS account. */
function eksAccount(file: KubeconfigFile, user: NamedEntry, exec: Entry, server: string): ImportedAccount {
  const command = typeof exec.command === 'string' ? basename(exec.command) : '';
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env = execEnvironment(exec);
  const awsCli = command === 'aws' && args.includes('eks') && args.includes('get-token');
  const authenticator = command === 'aws-iam-authenticator' && args.includes('token');
  if (!awsCli && !authenticator) {
    throw new UsageError(`kubeconfig ${file.path}: user "${user.name}" runs the exec plugin "${command || String(exec.command)}", whose tokens expire; ${NO_PLUGIN_HELP}`);
  }
  const clusterName = awsCli ? argument(args, '--cluster-name', '--cluster-id') : argument(args, '-i', '--cluster-id');
  if (!clusterName) throw file.problem(`user "${user.name}": the exec entry names no cluster (${awsCli ? '--cluster-name' : '-i'})`);
  let host = '';
  try {
    host = new URL(server).hostname;
  } catch {
    host = '';
  }
  const region = argument(args, '--region') ?? REGION_VARIABLES.map((name) => env[name]).find(Boolean) ?? EKS_ENDPOINT.exec(host)?.[1];
  if (!region) throw file.problem(`user "${user.name}": the exec entry names no region (--region, or AWS_REGION in its env) and the server is not an EKS endpoint`);
  const roleArn = awsCli ? argument(args, '--role-arn') : argument(args, '-r', '--role');
  return { kind: 'eks', clusterName, region, ...(roleArn ? { roleArn } : {}) };
}

function accountOf(file: KubeconfigFile, user: NamedEntry, server: string): ImportedAccount {
  const u = user.body;
  const found = staticAccount(file, user);
  if (found?.kind === 'certificate') return { kind: 'certificate', certificatePem: found.certPem, privateKeyPem: found.keyPem };
  if (found) return found;
  if (u.exec && typeof u.exec === 'object') return eksAccount(file, user, u.exec as Entry, server);
  const provider = (u['auth-provider'] as { name?: unknown } | undefined)?.name;
  if (provider) throw new UsageError(`kubeconfig ${file.path}: user "${user.name}" uses the auth-provider "${String(provider)}", whose tokens expire; ${NO_PLUGIN_HELP}`);
  throw new UsageError(`kubeconfig ${file.path}: user "${user.name}" has no credentials Conveyor can store (a token, username and password, a client certificate and key, or aws eks get-token)`);
}

/** The context `contextName` (the current one when absent) of the kubeconfig at `path`. */
export function importContext(path: string, contextName: string | undefined): ImportedContext {
  const file = new KubeconfigFile(path);
  const { name, context, cluster, user, server, caPem } = file.selected(contextName);
  const namespace = contextNamespace(file, name, context);
  return {
    context: name,
    url: server,
    ...(caPem ? { caPem } : {}),
    ...(cluster.body['insecure-skip-tls-verify'] === true ? { skipTlsVerify: true as const } : {}),
    ...(namespace ? { namespace } : {}),
    account: accountOf(file, user, server),
  };
}

const MAX_ID_LENGTH = 63;
/** Names people read may not hold path separators or control characters (the API's displayName). */
const MAX_NAME_LENGTH = 200;
const UNNAMEABLE = /[\\/\u0000-\u001f\u007f]/;

/** The context's name as the account's name when the API takes it as one (an EKS ARN does not: "/"), else `fallback`. */
export function nameFromContext(context: string, fallback: string): string {
  return context.length <= MAX_NAME_LENGTH && context.trim() === context && !UNNAMEABLE.test(context) ? context : fallback;
}

/** An id from a context name: `arn:aws:eks:eu-west-1:1234:cluster/prod` → `prod`, `Sandbox_Admin` → `sandbox-admin`. */
export function idFromContext(context: string): string {
  const last = context.includes('/') ? context.slice(context.lastIndexOf('/') + 1) : context;
  const id = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/-+$/, '');
  if (!id) throw new UsageError(`cannot make an id from the context name "${context}": give --id`);
  return id;
}
