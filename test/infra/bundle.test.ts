/**
 * Bundling for real, through NodejsFunction and the local esbuild (no Docker): the ESM bundle
 * of a function built like every catalog function loads in Node and answers, CommonJS
 * dependencies included (Powertools' tracer requires the X-Ray SDK), with a source map beside it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '#functions/catalog.ts';
import { FIXTURE_ENTRY } from './fixtures/catalog.ts';
import { nagFindings, type Synthesized, synthesize } from './support.ts';

const CATALOG: Catalog = {
  functions: [{ name: 'bundled', entry: FIXTURE_ENTRY, description: 'bundled for real', access: { table: 'read' } }],
  routes: [],
  stateMachines: [],
  eventRules: [],
};

let outdir: string;
let synth: Synthesized;
let assetDir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'conveyor-cdk-'));
  synth = synthesize(CATALOG, { bundle: true, outdir });
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')));
  expect(assets).toHaveLength(1);
  assetDir = join(outdir, assets[0]!);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a bundled function', () => {
  it('is one ESM file with its source map, made with a require for CommonJS dependencies', () => {
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(bundle).toContain('sourceMappingURL=index.mjs.map');
  });

  it('loads in Node and runs its middy chain with Powertools', async () => {
    // Prepare
    const module = (await import(pathToFileURL(join(assetDir, 'index.mjs')).href)) as { handler: (event: unknown, context: Context) => Promise<unknown> };
    const context = { functionName: 'bundled', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bundled' } as Context;

    // Act
    const answer = await module.handler({}, context);

    // Assess
    expect(answer).toEqual({ ok: true });
  });

  it('still passes cdk-nag with a real code asset', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });
});
