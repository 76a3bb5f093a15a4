/**
 * `conveyor apply` flags, checked at the edge: every problem is a UsageError (exit 2)
 * naming the flag, before any file is read or any cluster is contacted. The flags themselves
 * are declared once, in the command's definition (cli/tree/apply.ts), which commander parses
 * with; this module turns what it parsed into ApplyArgs.
 */
import { CommanderError } from 'commander';
import { imageKeyRepository } from '#domain/render/images.ts';
import { namespaceProblem, showNamespace } from '#domain/render/namespace.ts';
import { parseImageReference } from '#domain/render/reference.ts';
import { UsageError } from '../errors.ts';
import { applyCommand } from '../tree/apply.ts';
import { commanderMessage, configureTree } from '../tree/configure.ts';

/** The command's help, as `conveyor apply --help` prints it. */
export function applyHelp(): string {
  return configureTree(applyCommand().name('conveyor apply')).helpInformation();
}

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
  /** The image map: repository as written → tag, digest or new reference (functions/domain/render/images.ts). */
  images: Record<string, string>;
  /** Each image map key → the --image value it came from, for messages. */
  imageFlags: Record<string, string>;
  /** --allow-unused-images: an --image that matches no container is not an error. */
  allowUnusedImages: boolean;
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
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** What commander parsed for `conveyor apply` (cli/tree/apply.ts). */
export type ApplyOptions = Record<string, any>;

/** Parses `argv` (what follows `apply`) with the command's definition, then checks the values. */
export function parseApplyArgs(argv: string[]): ApplyArgs {
  const command = applyCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') return { help: true } as ApplyArgs;
    if (error instanceof CommanderError) throw new UsageError(commanderMessage(error.message));
    throw error;
  }
  return applyArgsFrom(command.opts());
}

/** The checked arguments from the options commander parsed. */
export function applyArgsFrom(values: ApplyOptions): ApplyArgs {
  const files: string[] = values.filename ?? [];
  if (files.length === 0) throw new UsageError('at least one -f FILE is required');
  checkNamespaceFlags(values.namespace, values.admin === true, values.defaultNamespace);
  const pair = (flag: string, text: string, sensitive = false) => {
    const eq = text.indexOf('=');
    // A sensitive argument without '=' may be the bare secret: never echo it.
    if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got ${sensitive ? 'something else (not shown: it may hold the value)' : `"${text}"`}`);
    return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
  };
  const vars = [
    ...(values.var ?? []).map((v: string) => ({ ...pair('--var', v), sensitive: false })),
    ...(values.sensitiveVar ?? []).map((v: string) => ({ ...pair('--sensitive-var', v, true), sensitive: true })),
  ];
  for (const v of vars) if (!NAME_PATTERN.test(v.name)) throw new UsageError(`variable name "${v.name}" may only contain letters, digits, '.', '_' and '-'`);
  const { images, imageFlags } = imageMapFrom(values.image ?? []);
  if (values.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(values.strategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${values.strategy}"`);
  }
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  if (values.output !== undefined && values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, got "${values.output}"`);
  if (values.deploymentId !== undefined && !/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(values.deploymentId)) {
    throw new UsageError(`--deployment-id must be 1-40 lower-case letters, digits or '-', starting and ending alphanumeric, got "${values.deploymentId}"`);
  }
  return {
    files,
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace,
    admin: values.admin === true,
    defaultNamespace: values.defaultNamespace,
    vars,
    variablesFile: values.variables,
    images,
    imageFlags,
    allowUnusedImages: values.allowUnusedImages === true,
    strategy: values.strategy,
    environment: values.environment ?? 'local',
    deploymentId: values.deploymentId,
    force: values.force === true,
    wait: values.wait === true,
    timeoutSeconds,
    dryRun: values.dryRun === true,
    output: values.output ?? 'text',
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
  for (const [flag, value] of [
    ['--namespace', namespace],
    ['--default-namespace', defaultNamespace],
  ] as const) {
    const problem = value === undefined ? undefined : namespaceProblem(value);
    if (problem) throw new UsageError(`${flag} ${showNamespace(value!)}: ${problem}`);
  }
}

const IMAGE_FORMS = 'REPO=TAG, REPO=@sha256:<64 hex>, REPO=NEWREPO[:TAG][@sha256:<64 hex>], REPO:TAG or REPO@sha256:<64 hex>';

/**
 * The --image values as an image map. `REPO=VALUE` is an entry as it stands (the value a tag,
 * a digest or a new reference); `REPO:TAG` and `REPO@DIGEST` (kubectl-like, no '=') split at
 * the reference's own tag and digest. The forms are checked here; what an entry holds (a valid
 * repository, tag, digest or reference) is checked by the engine's image map (exit 2 as well,
 * naming the entry as `image map entry "REPO": "VALUE"`), the same check a release's map gets.
 */
function imageMapFrom(flags: string[]): { images: Record<string, string>; imageFlags: Record<string, string> } {
  const images: Record<string, string> = {};
  const imageFlags: Record<string, string> = {};
  const byRepository = new Map<string, string>();
  for (const flag of flags) {
    const { key, value } = imageEntryOf(flag);
    // Two flags for one repository would leave one silently unused: refused, in any spelling.
    const repository = imageKeyRepository(key) ?? key;
    const other = byRepository.get(repository);
    if (other !== undefined) throw new UsageError(`--image "${flag}" and --image "${other}" both set repository ${repository}; give one`);
    byRepository.set(repository, flag);
    images[key] = value;
    imageFlags[key] = flag;
  }
  return { images, imageFlags };
}

function imageEntryOf(flag: string): { key: string; value: string } {
  const eq = flag.indexOf('=');
  if (eq === 0 || flag.trim() === '') throw new UsageError(`--image "${flag}": the repository is missing; expected ${IMAGE_FORMS}`);
  if (eq > 0) {
    const value = flag.slice(eq + 1);
    if (value === '') throw new UsageError(`--image "${flag}": nothing after '='; expected ${IMAGE_FORMS}`);
    return { key: flag.slice(0, eq), value };
  }
  const parsed = parseImageReference(flag);
  if (!parsed.ok) throw new UsageError(`--image "${flag}": ${parsed.reason}; expected ${IMAGE_FORMS}`);
  const { domain, path, tag, digest } = parsed.reference;
  if (tag === undefined && digest === undefined) throw new UsageError(`--image "${flag}" names no tag or digest; expected ${IMAGE_FORMS}`);
  const key = domain === undefined ? path : `${domain}/${path}`;
  return { key, value: tag === undefined ? digest! : digest === undefined ? tag : `${tag}@${digest}` };
}
