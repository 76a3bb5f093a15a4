/**
 * How the simulated kubelet decides, from the pod spec alone, what a container does.
 * See the conventions documented at the top of kubelet.ts.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../types.ts';
import type { Timings } from './timings.ts';

/** Per-pod (template) override of the ready delay, in milliseconds. */
export const READY_AFTER_ANNOTATION = 'sandbox.conveyor.dev/ready-after-ms';
/** An image tag that never resolves. */
export const MISSING_TAG = 'does-not-exist';
/** Registry hosts under this (reserved) TLD never answer. */
export const INVALID_REGISTRY_SUFFIX = '.invalid';
const FAILING_EXECUTABLES: ReadonlySet<string> = new Set(['false', '/bin/false']);
const SUCCEEDING_EXECUTABLES: ReadonlySet<string> = new Set(['true', '/bin/true']);
/** Shells whose `-c` script the sandbox reads (trailing `exit N`, first command). */
export const SHELLS: ReadonlySet<string> = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash', 'ash', '/bin/ash']);
/** `exit N` as the last statement of a shell script. */
const TRAILING_EXIT = /(?:^|[\s;&|(])exit\s+(\d+)\s*;?\s*\)?\s*$/;
const DEFAULT_REGISTRY = 'docker.io';

export type ImageRef = { registry: string; repository: string; tag?: string; digest?: string };

export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) registry = parts.shift()!;
  let repository = parts.join('/');
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

/** The fully qualified name a container runtime reports: docker.io/library/nginx:latest. */
export function normalizeImage(image: string): string {
  const ref = parseImage(image);
  const base = `${ref.registry}/${ref.repository}`;
  if (ref.digest) return `${base}${ref.tag ? `:${ref.tag}` : ''}@${ref.digest}`;
  return `${base}:${ref.tag ?? 'latest'}`;
}

export function imageID(image: string): string {
  const ref = parseImage(image);
  return `${ref.registry}/${ref.repository}@${ref.digest ?? `sha256:${sha256(normalizeImage(image))}`}`;
}

/** A deterministic plausible image size for the Pulled event. */
export function imageSize(image: string): number {
  return 10_000_000 + (Number.parseInt(sha256(image).slice(0, 8), 16) % 90_000_000);
}

export function isUnpullable(image: string | undefined): boolean {
  if (!image) return true;
  const ref = parseImage(image);
  return ref.tag === MISSING_TAG || ref.registry.split(':')[0]!.endsWith(INVALID_REGISTRY_SUFFIX);
}

export function pullErrorMessage(image: string): string {
  const name = normalizeImage(image);
  const ref = parseImage(image);
  if (ref.registry.split(':')[0]!.endsWith(INVALID_REGISTRY_SUFFIX)) {
    return `rpc error: code = Unknown desc = failed to pull and unpack image "${name}": failed to resolve reference "${name}": failed to do request: Head "https://${ref.registry}/v2/${ref.repository}/manifests/${ref.tag ?? 'latest'}": dial tcp: lookup ${ref.registry.split(':')[0]}: no such host`;
  }
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${name}: not found`;
}

/** The exit code of `sh -c '...; exit N'`, `false` or `true`; undefined when it runs on. */
/** The script of `sh -c SCRIPT` (any shell of SHELLS), trimmed; undefined for any other command. */
export function shellScript(argv: readonly string[]): string | undefined {
  if (!argv[0] || !SHELLS.has(argv[0])) return undefined;
  const c = argv.indexOf('-c');
  if (c < 0) return undefined;
  return argv
    .slice(c + 1)
    .join(' ')
    .trim();
}

export function shellExitCode(argv: readonly string[]): number | undefined {
  const executable = argv[0];
  if (!executable) return undefined;
  if (FAILING_EXECUTABLES.has(executable)) return 1;
  if (SUCCEEDING_EXECUTABLES.has(executable)) return 0;
  const script = shellScript(argv);
  if (script === undefined) return undefined;
  if (FAILING_EXECUTABLES.has(script)) return 1;
  const m = TRAILING_EXIT.exec(script);
  return m ? Number(m[1]) : undefined;
}

/**
 * How a container ends: its exit code, or undefined when it keeps running. Containers that
 * run to completion (restartPolicy Never/OnFailure pods, init containers) exit 0 unless
 * their command says otherwise.
 */
export function exitCodeOf(container: Record<string, any>, runsToCompletion: boolean): number | undefined {
  const code = shellExitCode([...(container.command ?? []), ...(container.args ?? [])]);
  if (code !== undefined) return code;
  return runsToCompletion ? 0 : undefined;
}

export function readyAfterMs(pod: KubeObject, container: Record<string, any>, timings: Timings): number {
  const annotated = Number(pod.metadata.annotations?.[READY_AFTER_ANNOTATION]);
  if (pod.metadata.annotations?.[READY_AFTER_ANNOTATION] !== undefined && Number.isFinite(annotated)) return Math.max(0, annotated);
  const image: string = container.image ?? '';
  const byImage = timings.imageReadyAfterMs[image] ?? timings.imageReadyAfterMs[image.replace(/[:@][^/]*$/, '')];
  return byImage ?? timings.readyAfterMs;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
