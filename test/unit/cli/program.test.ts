/**
 * The command tree (cli/program.ts): every command has help generated from its definition,
 * every command that talks to the API has the connection and output options; and the bundle
 * scripts/conveyor.mjs builds keeps commands apart — what `conveyor --help` and `conveyor
 * sandbox` load statically holds no AWS SDK, which only the API commands' chunks import.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '#cli/program.ts';
import { createAccountBody } from '#functions/api/schemas/accounts.ts';
import { ROLES } from '#functions/api/schemas/roles.ts';
import { PROJECT_ROOT } from '../../support/conveyor.ts';

function commands(root: Command): Command[] {
  return [root, ...root.commands.flatMap(commands)];
}

const pathOf = (command: Command): string => (command.parent ? `${pathOf(command.parent)} ${command.name()}` : command.name());

describe('the command tree', () => {
  const program = buildProgram({ code: 0 });
  const all = commands(program);

  it('has help for every command: usage, a description, its options', () => {
    expect(all.length).toBeGreaterThan(50);
    for (const command of all) {
      const help = command.helpInformation();
      expect(help, pathOf(command)).toMatch(new RegExp(`^usage: ${pathOf(command).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(command.description(), pathOf(command)).not.toBe('');
      expect(help, pathOf(command)).toContain('-h, --help');
    }
  });

  it("offers the API's own account kinds and roles as choices", () => {
    const option = (path: string, flag: string) => all.find((c) => pathOf(c) === path)!.options.find((o) => o.long === flag)!.argChoices;
    expect(option('conveyor account create', '--kind')).toEqual(createAccountBody.options.map((o) => o.shape.kind.value));
    expect(option('conveyor roles grant', '--role')).toEqual([...ROLES]);
  });

  it('gives every API command --endpoint, --region, --profile and --output', () => {
    const api = all.filter((command) => command.options.some((option) => option.long === '--endpoint'));
    expect(api.length).toBeGreaterThan(40);
    for (const command of api)
      expect(
        command.options.map((o) => o.long),
        pathOf(command),
      ).toEqual(expect.arrayContaining(['--region', '--profile', '--output']));
  });
});

/** Bare package names a chunk and the chunks it imports statically reach. */
function staticPackages(metafile: Metafile, chunk: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]!.imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(chunk);
  return packages;
}

describe('the bundle', () => {
  it("keeps the AWS SDK out of what the entry and the sandbox load, and in the API commands' chunks", async () => {
    // Prepare: the bundle as scripts/conveyor.mjs builds it, with its metafile.
    const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundle-'));
    try {
      // Act
      const { metafile } = await build({
        absWorkingDir: PROJECT_ROOT,
        entryPoints: { conveyor: 'cli/main.ts' },
        outdir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        packages: 'external',
        metafile: true,
        write: false,
        logLevel: 'silent',
      });

      // Assess
      const outputs = Object.keys(metafile.outputs);
      const chunkWith = (source: string) => outputs.find((output) => Object.keys(metafile.outputs[output]!.inputs).includes(source))!;
      const entry = outputs.find((output) => metafile.outputs[output]!.entryPoint === 'cli/main.ts')!;
      const aws = (names: Set<string>, prefixes: string[]) => [...names].filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
      expect(aws(staticPackages(metafile, entry), ['@aws-sdk/', '@smithy/']), relative(outdir, entry)).toEqual([]);
      // The sandbox verifies EKS tokens with the SigV4 signer itself, but loads no SDK client.
      expect(aws(staticPackages(metafile, chunkWith('cli/commands/sandbox.ts')), ['@aws-sdk/'])).toEqual([]);
      expect([...staticPackages(metafile, chunkWith('cli/api/session.ts'))]).toEqual(expect.arrayContaining(['@aws-sdk/credential-providers', '@smithy/signature-v4']));
      expect(chunkWith('cli/commands/sandbox.ts')).not.toBe(entry);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
