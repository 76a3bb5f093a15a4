/**
 * Runs every bad-input manifest of corpus/ (see corpus/README.md) through the whole
 * rendering pipeline — render, boundary, apply phases — and checks that it is refused with
 * the expected error and message, and that no sensitive value leaks into the message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enforceBoundary } from '#domain/render/boundary.ts';
import { applyPhases } from '#domain/render/order.ts';
import { renderManifests } from '#domain/render/render.ts';
import { CORPUS_DIR, loadCorpus } from './corpus/cases.ts';
import { discovery, rejected, renderContext, variablesFrom } from './fixtures.ts';

const CORPUS = CORPUS_DIR;
const NOT_MANIFESTS = new Set(['cases.json', 'cases.ts', 'README.md']);
const MINIMUM_CASES = 25;

const cases = loadCorpus();
const DEFAULT_TARGET = { name: 'corpus', namespace: 'team-a', admin: false };

describe('bad-input corpus', () => {
  it('has a case for every file and a file for every case, and enough of them', () => {
    const files = readdirSync(CORPUS)
      .filter((file) => !NOT_MANIFESTS.has(file))
      .sort();
    expect(Object.keys(cases).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(MINIMUM_CASES);
  });

  it.each(Object.entries(cases))('refuses %s', async (file, testCase) => {
    // Prepare
    const target = { ...DEFAULT_TARGET, ...testCase.target };
    const context = renderContext({ target: { name: target.name, namespace: target.namespace, tags: [] } });
    const content = readFileSync(join(CORPUS, file), 'utf8');

    // Act
    const error = await rejected(async () => {
      const { objects } = renderManifests({
        files: [{ name: file, content }],
        variables: variablesFrom(testCase.vars ?? {}, testCase.sensitive),
        context,
        images: testCase.images,
      });
      applyPhases(await enforceBoundary(objects, target, discovery));
    });

    // Assess
    expect(error.name).toBe(testCase.error);
    expect(error.message).toContain(testCase.expect);
    for (const name of testCase.sensitive ?? []) expect(error.message).not.toContain(testCase.vars![name]);
  });
});
