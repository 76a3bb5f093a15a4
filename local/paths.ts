/**
 * Locates files shipped with the project (the OpenAPI spec, protobuf descriptors) from
 * wherever the code runs: the TypeScript sources, or a bundle under .tools/dist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'conveyor';
let root: string | undefined;

/** The directory holding the project's package.json. */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} project root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function projectFile(...segments: string[]): string {
  return join(projectRoot(), ...segments);
}
