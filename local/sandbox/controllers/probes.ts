/**
 * Exec probes in the sandbox: which commands exist in an image, and when probes run.
 *
 * The sandbox cannot look inside an image, so it decides from the command and the image
 * name alone, with one rule (documented in docs/rollout-rules.md, "Exec probes in the
 * sandbox"):
 *
 *   An executable exists when its file name is a standard tool of base images or a tool of
 *   the image itself (named exactly like the image's repository, or a listed companion of
 *   it), or when it is a path into a directory where images install their own software
 *   (/usr/local/bin, /usr/local/sbin, /opt, /app). Anything else (`httpd-ready-check`,
 *   `/bin/check-health`, `/no/such/health-check`) is a command the image does not have: the
 *   probe errors with "executable file not found".
 *
 * Timing: a probe's own seconds (initialDelaySeconds, periodSeconds x failureThreshold) last
 * `timings.probeSecondMs` each, so `initialDelaySeconds: 30` delays readiness by 300 ms at
 * the default scale of 10 ms per second.
 */
import { parseImage, shellExitCode, shellScript } from './pod-conventions.ts';
import type { Timings } from './timings.ts';

/** Tools found on the $PATH of common base images (busybox, alpine, debian, ubuntu, distroless debug). */
export const STANDARD_TOOLS: ReadonlySet<string> = new Set([
  // shells
  'sh',
  'bash',
  'ash',
  'dash',
  // coreutils / busybox applets a probe typically runs
  'true',
  'false',
  'test',
  '[',
  'cat',
  'ls',
  'echo',
  'printf',
  'grep',
  'stat',
  'find',
  'head',
  'tail',
  'wc',
  'env',
  'sleep',
  'timeout',
  'pgrep',
  'pidof',
  'ps',
  'kill',
  'id',
  'date',
  'sed',
  'awk',
  'cut',
  'touch',
  // network checks
  'wget',
  'curl',
  'nc',
  'nslookup',
  'netstat',
  'ss',
  'grpc_health_probe',
  // language runtimes that application images are built on
  'python',
  'python3',
  'node',
  'java',
  'perl',
  'ruby',
  'php',
]);

/**
 * Tools that well-known images ship besides the binary named after their repository, keyed
 * by the repository's last path segment (docker.io/library/postgres → postgres,
 * ghcr.io/stefanprodan/podinfo → podinfo).
 */
export const IMAGE_COMPANIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  postgres: ['pg_isready', 'psql', 'pg_ctl'],
  postgresql: ['pg_isready', 'psql', 'pg_ctl', 'postgres'],
  postgis: ['pg_isready', 'psql', 'pg_ctl', 'postgres'],
  redis: ['redis-cli', 'redis-server'],
  valkey: ['valkey-cli', 'valkey-server', 'redis-cli'],
  mysql: ['mysqladmin', 'mysqld'],
  mariadb: ['mariadb-admin', 'mysqladmin', 'mysql', 'mariadbd', 'healthcheck.sh'],
  mongo: ['mongosh', 'mongod'],
  mongodb: ['mongosh', 'mongod'],
  podinfo: ['podcli'],
  etcd: ['etcdctl'],
  rabbitmq: ['rabbitmq-diagnostics', 'rabbitmqctl'],
  cassandra: ['nodetool', 'cqlsh'],
  kafka: ['kafka-topics.sh', 'kafka-broker-api-versions.sh'],
  zookeeper: ['zkServer.sh', 'zkCli.sh'],
  httpd: ['apachectl'],
  nats: ['nats-server'],
  minio: ['mc'],
  prometheus: ['promtool'],
  alertmanager: ['amtool'],
  grafana: ['grafana-cli'],
  keycloak: ['kc.sh'],
});

/**
 * Where images put their own software (docker-library's /usr/local/bin scripts, Bitnami's
 * /opt/bitnami, application images' /app); a path there is trusted, since the sandbox cannot
 * list an image's files. The system directories hold the base image's tools only.
 */
const IMAGE_DIRECTORIES: readonly string[] = ['/usr/local/bin/', '/usr/local/sbin/', '/opt/', '/app/'];

/** Shell words after which the next word is the command (`exec pg_isready`). */
const COMMAND_PREFIXES: ReadonlySet<string> = new Set(['exec', 'command', '!']);
/** A plain word: anything else (quotes, $, (, {, keywords) is left to the shell and trusted. */
const PLAIN_WORD = /^[A-Za-z0-9_./+-]+$/;
const SHELL_KEYWORDS: ReadonlySet<string> = new Set([
  'if',
  'for',
  'while',
  'until',
  'case',
  'set',
  'export',
  'cd',
  'exit',
  'return',
  'source',
  '.',
  ':',
  'eval',
  'read',
  'trap',
  'ulimit',
  'umask',
  'wait',
  'type',
]);
/** Separators after which the script's status no longer depends on its first command. */
const SEQUENCE = /;|\|\||\||&(?!&)|\n/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export const PROBE_DEFAULTS = { periodSeconds: 10, failureThreshold: 3 } as const;

export type ProbeKind = 'Readiness' | 'Liveness';

/** The tools an image has beyond the standard ones: its repository's name and its companions. */
export function imageTools(image: string | undefined): string[] {
  if (!image) return [];
  const repository = parseImage(image).repository;
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  return [name, ...(IMAGE_COMPANIONS[name] ?? [])];
}

/** The sandbox's rule: does `executable` exist in `image`? */
export function executableExists(executable: string, image: string | undefined): boolean {
  const slash = executable.lastIndexOf('/');
  const file = executable.slice(slash + 1);
  if (STANDARD_TOOLS.has(file) || imageTools(image).includes(file)) return true;
  return IMAGE_DIRECTORIES.some((directory) => executable.startsWith(directory));
}

/**
 * The command a `sh -c` script starts with, when the script's exit status is that command's
 * (a single command or an `&&` chain) and it is a plain word; undefined otherwise.
 */
export function scriptCommand(argv: readonly string[]): string | undefined {
  const script = shellScript(argv);
  if (script === undefined) return undefined;
  const first = script.split('&&')[0]!;
  if (SEQUENCE.test(first)) return undefined;
  const words = first
    .trim()
    .split(/\s+/)
    .filter((w) => !ENV_ASSIGNMENT.test(w));
  while (words.length && COMMAND_PREFIXES.has(words[0]!)) words.shift();
  const word = words[0];
  if (!word || !PLAIN_WORD.test(word) || SHELL_KEYWORDS.has(word)) return undefined;
  return word;
}

/** Why an exec probe fails ("Readiness probe failed: ..."), or undefined when it passes. */
export function probeFailure(container: Record<string, any>, kind: ProbeKind): string | undefined {
  const probe = kind === 'Readiness' ? container.readinessProbe : container.livenessProbe;
  const command: string[] | undefined = probe?.exec?.command;
  if (!command || command.length === 0) return undefined;
  const executable = command[0]!;
  // `false` prints nothing: the kubelet reports the failure with empty output.
  if (executable === 'false' || executable === '/bin/false') return `${kind} probe failed: `;
  if (!executableExists(executable, container.image)) {
    return `${kind} probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${executable}": executable file not found in $PATH: unknown`;
  }
  const inScript = scriptCommand(command);
  if (inScript !== undefined && !executableExists(inScript, container.image)) return `${kind} probe failed: ${executable}: 1: ${inScript}: not found`;
  const code = shellExitCode(command);
  if (code !== undefined && code !== 0) return `${kind} probe failed: command ${JSON.stringify(command.join(' '))} exited with ${code}`;
  return undefined;
}

/** Readiness waits for the probe's initialDelaySeconds (scaled) as well as the ready delay. */
export function readinessDelayMs(container: Record<string, any>, readyAfterMs: number, timings: Timings): number {
  return Math.max(readyAfterMs, seconds(container.readinessProbe?.initialDelaySeconds) * timings.probeSecondMs);
}

/**
 * When a failing liveness probe gets its container killed, after start: the first probe runs
 * after initialDelaySeconds, and failureThreshold consecutive failures, periodSeconds apart,
 * kill it (pkg/kubelet/prober/worker.go).
 */
export function livenessKillDelayMs(container: Record<string, any>, timings: Timings): number {
  const probe = container.livenessProbe ?? {};
  const period = seconds(probe.periodSeconds) || PROBE_DEFAULTS.periodSeconds;
  const threshold = seconds(probe.failureThreshold) || PROBE_DEFAULTS.failureThreshold;
  return (seconds(probe.initialDelaySeconds) + period * (threshold - 1)) * timings.probeSecondMs;
}

function seconds(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
