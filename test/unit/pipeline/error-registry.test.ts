/**
 * The error registry lists every DeployError class under functions/ with the category the class
 * declares, so the Retry lists derived from it (and Finalize's Failed / Errored) cannot miss a
 * class that someone adds. Classes are found in the source: `class X extends DeployError` and,
 * in its body, `readonly category = '<category>'`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoryOfName, ERROR_REGISTRY, isTechnicalFault } from '#domain/error-registry.ts';

const FUNCTIONS = join(import.meta.dirname, '..', '..', '..', 'functions');
const CLASS = /class (\w+) extends DeployError \{([\s\S]*?)\n\}/g;
const CATEGORY = /readonly category(?:: ErrorCategory)? = '([a-z-]+)'/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every DeployError subclass under functions/, with its declared category (`cause` when it takes its cause's). */
function declaredClasses(): { name: string; category: string; file: string }[] {
  return sources(FUNCTIONS).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(CLASS)].map((match) => ({ name: match[1]!, category: CATEGORY.exec(match[2]!)?.[1] ?? 'cause', file: relative(FUNCTIONS, file) })),
  );
}

describe('ERROR_REGISTRY', () => {
  it('lists every DeployError class with the category it declares', () => {
    // Prepare
    const registered = new Map(ERROR_REGISTRY.map((e) => [e.name, e.category]));

    // Act
    const classes = declaredClasses();

    // Assess
    expect(classes.length).toBeGreaterThan(30);
    expect(classes.filter((c) => registered.get(c.name) !== c.category).map((c) => `${c.name} (${c.file}): ${c.category}`)).toEqual([]);
  });

  it('names each error once', () => {
    const names = ERROR_REGISTRY.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('categoryOfName', () => {
  it.each([
    ['RolloutFailedError', 'rollout', false],
    ['ApprovalRejectedError', 'rollout', false],
    ['States.Timeout', 'rollout', false],
    ['NoTargetsError', 'input', false],
    ['ScriptFailedError', 'rollout', false],
    ['ClusterAccessError', 'access', false],
    ['StoreUnavailableError', 'unavailable', true],
    ['UnclassifiedTaskError', 'internal', true],
    ['States.TaskFailed', 'internal', true],
    ['States.Runtime', 'internal', true],
    ['Sandbox.Timedout', 'internal', true],
    ['PartialApplyError', 'internal', true],
  ])('%s is %s (technical fault: %s)', (name, category, fault) => {
    expect(categoryOfName(name)).toBe(category);
    expect(isTechnicalFault(categoryOfName(name))).toBe(fault);
  });
});
