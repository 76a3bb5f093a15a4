/**
 * Each function's handler asks the composition root for what it needs (`productionDeps([...])`
 * or `productionTaskDeps([...])`), and the catalog grants what it may touch. The two must agree:
 * a need without its grant fails on AWS with AccessDenied (locally it works), and a grant without
 * the need is a handler that throws "not given" the first time the code path runs — as finalize
 * did when it first had to answer a lifecycle wait.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, type FunctionAccess } from '#functions/catalog.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The needs the catalog has a grant for (clusters and scripts need none: credentials come from the secrets). */
const GRANTED_NEEDS = ['table', 'secrets', 'workflows', 'events'] as const;

function declaredNeeds(entry: string): string[] {
  const source = readFileSync(join(ROOT, entry), 'utf8');
  const call = /production(?:Task)?Deps\(\[([^\]]*)\]\)/.exec(source);
  if (!call) throw new Error(`${entry} builds no production dependencies`);
  return [...call[1]!.matchAll(/'([a-z]+)'/g)].map((m) => m[1]!);
}

function grantedNeeds(access: FunctionAccess): string[] {
  return [access.table && 'table', access.secrets && 'secrets', access.stateMachines?.length && 'workflows', access.events && 'events'].filter((n): n is string => typeof n === 'string');
}

describe('the catalog and the handlers', () => {
  it('grant every function exactly the dependencies its handler builds', () => {
    // Act
    const mismatches = CATALOG.functions.flatMap((spec) => {
      const needs = declaredNeeds(spec.entry)
        .filter((n) => (GRANTED_NEEDS as readonly string[]).includes(n))
        .sort();
      const granted = grantedNeeds(spec.access).sort();
      return needs.join(',') === granted.join(',') ? [] : [`${spec.name}: handler needs [${needs}], catalog grants [${granted}]`];
    });

    // Assess
    expect(CATALOG.functions.length).toBeGreaterThan(15);
    expect(mismatches).toEqual([]);
  });
});
