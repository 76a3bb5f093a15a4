/**
 * How the local Lambda service gets a catalog function's handler: on its first invocation, the
 * function's entry file is bundled by esbuild (as CDK's NodejsFunction bundles it for AWS: ESM,
 * Node 24, names kept so error classes keep theirs), written under .tools/lambda/<pid>/, and
 * imported. Why a bundle rather than importing the .ts entry:
 * - `conveyor up` runs from the CLI's esbuild bundle on plain Node, which cannot load the
 *   project's TypeScript (parameter properties are not erasable syntax) and should not carry a
 *   TypeScript loader (tsx costs ~50 MB in every process); a bundle is plain JavaScript;
 * - each function gets module instances of its own (its Powertools logger and metrics, its
 *   composition root built at its own cold start), as separate Lambda containers would;
 * - it is fast: ~30-70 ms per function, because packages stay external (resolved from the
 *   repository's node_modules, which is why the bundles live inside the repository).
 * Bundles are made once per service and function, in a directory of the service's own
 * (`<pid>-<random>`) that is removed at close; those of processes that no longer run are removed
 * at start.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import type { FunctionSpec } from '#functions/catalog.ts';
import { projectFile, projectRoot } from '../../paths.ts';

/** A Lambda handler as middy makes it: `handler(event, context)`. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

const DEFAULT_HANDLER_EXPORT = 'handler';
/** Where bundles go: under the repository, so that their package imports resolve from its node_modules. */
export const BUNDLE_ROOT = projectFile('.tools', 'lambda');
/** The Node version Lambda runs (nodejs24.x) and the project pins. */
const TARGET = 'node24';
/** Tells apart the services of one process. */
const UNIQUE_SUFFIX_LENGTH = 8;

/** Thrown when a function cannot be loaded: reported to the caller as Lambda reports an init failure. */
export class FunctionInitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Runtime.ImportModuleError';
  }
}

export class BundleLoader {
  private readonly loaded = new Map<string, Promise<Handler>>();
  private readonly dir: string;

  constructor(root = BUNDLE_ROOT) {
    // The process id first: a later service finds out whether the process still runs.
    this.dir = join(root, `${process.pid}-${randomUUID().slice(0, UNIQUE_SUFFIX_LENGTH)}`);
    removeAbandoned(root);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** The function's handler, bundled and imported on the first call (concurrent first calls share one build). */
  load(spec: FunctionSpec): Promise<Handler> {
    let handler = this.loaded.get(spec.name);
    if (!handler) {
      handler = this.bundle(spec);
      // A failed load is tried again at the next invocation (the entry may have been fixed).
      handler.catch(() => this.loaded.delete(spec.name));
      this.loaded.set(spec.name, handler);
    }
    return handler;
  }

  /** Removes this service's bundles. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async bundle(spec: FunctionSpec): Promise<Handler> {
    const outfile = join(this.dir, `${spec.name}.mjs`);
    try {
      await build({
        absWorkingDir: projectRoot(),
        entryPoints: [spec.entry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: TARGET,
        packages: 'external',
        keepNames: true,
        sourcemap: 'linked',
        logLevel: 'silent',
      });
    } catch (error) {
      throw new FunctionInitError(`cannot bundle ${spec.entry} for function ${spec.name}: ${(error as Error).message}`);
    }
    const module = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
    const exported = spec.handler ?? DEFAULT_HANDLER_EXPORT;
    const handler = module[exported];
    if (typeof handler !== 'function') throw new FunctionInitError(`${spec.entry} does not export a function named ${exported}`);
    return handler as Handler;
  }
}

/** Bundle directories of processes that ended without closing their service. */
function removeAbandoned(root: string): void {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(entry.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) rmSync(join(root, entry), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
