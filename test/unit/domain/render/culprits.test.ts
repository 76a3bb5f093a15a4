/**
 * The search for the variables that break a document (culprits.ts), with a counting check in
 * place of YAML parsing: which uses it finds, how few checks it needs, and that one budget
 * bounds the search across the documents of a rendering.
 */
import { describe, expect, it } from 'vitest';
import { type Check, culpritProblems, type SearchBudget } from '#domain/render/culprits.ts';
import { createPlanner, type DocumentPlan } from '#domain/render/substitute.ts';
import { variablesFrom } from './fixtures.ts';

const HINT = 'quote it';
const UNLIMITED: SearchBudget = { bytes: Number.MAX_SAFE_INTEGER };

function planOf(text: string, values: Record<string, string>, sensitive: string[] = []): DocumentPlan {
  const variables = variablesFrom(values, sensitive);
  const lookup = (name: string) => {
    const found = variables.find((variable) => variable.name === name)?.values[0];
    return found && { value: found.value, sensitive: found.sensitive === true };
  };
  return createPlanner(lookup)('f.yaml', { document: 1, line: 1, text }, false, { problems: [], missing: [] });
}

/** A check that fails when any selected use has a value in `bad`, counting its calls. */
function failingOn(plan: DocumentPlan, bad: (value: string) => boolean): { check: Check; calls: () => number } {
  let calls = 0;
  const check: Check = (selected) => {
    calls += 1;
    return plan.replacements.some((replacement, index) => selected(index) && bad(replacement.value)) ? 'breaks it' : undefined;
  };
  return { check, calls: () => calls };
}

describe('culpritProblems', () => {
  it('finds the one variable at fault among many, in a few checks', () => {
    // Prepare
    const names = Array.from({ length: 64 }, (_, index) => `V${index}`);
    const plan = planOf(names.map((name) => `#{${name}}`).join('\n'), Object.fromEntries(names.map((name) => [name, name === 'V41' ? 'bad' : 'ok'])));
    const { check, calls } = failingOn(plan, (value) => value === 'bad');

    // Act
    const problems = culpritProblems(plan, check, () => HINT, { ...UNLIMITED });

    // Assess
    expect(problems).toEqual([
      { source: { file: 'f.yaml', document: 1, line: 42 }, message: 'the value of #{V41} (line 42) breaks it; a variable fills one value and cannot change the structure of a manifest: quote it' },
    ]);
    expect(calls()).toBeLessThanOrEqual(2 * Math.log2(names.length));
  });

  it('narrows a variable used many times down to the uses at fault', () => {
    // Prepare: the check fails only for uses on lines 3 and 7.
    const plan = planOf(Array.from({ length: 8 }, () => '#{V}').join('\n'), { V: 'v' });
    const check: Check = (selected) => ([2, 6].some((index) => selected(index)) ? 'breaks it' : undefined);

    // Act
    const problems = culpritProblems(plan, check, () => HINT, { ...UNLIMITED });

    // Assess
    expect(problems.map((problem) => problem.message.split(' breaks')[0])).toEqual(['the value of #{V} (lines 3, 7)']);
  });

  it('names values that fail only together, together', () => {
    // Prepare
    const plan = planOf('#{A}\n#{B}\n#{C}', { A: 'a', B: 'b', C: 'c' });
    const check: Check = (selected) => (selected(0) && selected(2) ? 'breaks it' : undefined);

    // Act
    const problems = culpritProblems(plan, check, () => HINT, { ...UNLIMITED });

    // Assess
    expect(problems.map((problem) => problem.message.split(';')[0])).toEqual(['the values of #{A} (line 1) and #{C} (line 3) together make this document invalid: the result breaks it']);
  });

  it('says a sensitive value is at fault without showing it', () => {
    const plan = planOf('a: #{Secret}', { Secret: 'hunter2' }, ['Secret']);
    const problems = culpritProblems(
      plan,
      () => 'breaks it',
      () => HINT,
      { ...UNLIMITED },
    );
    expect(problems[0].message).toBe(
      'the value of sensitive variable Secret (line 1) makes this document invalid (the text is not shown, to keep the value secret): it breaks it; a variable fills one value and cannot change the structure of a manifest: quote it',
    );
  });

  it('shares one budget across documents, then names what is left without checking it', () => {
    // Prepare: a budget for three checks of these documents.
    const values = { A: 'bad', B: 'ok', C: 'ok', D: 'bad' };
    const first = planOf('#{A} #{B} #{C} #{D}', values);
    const second = planOf('#{A} #{B} #{C} #{D}', values);
    const budget: SearchBudget = { bytes: first.text.length * 3 };
    const one = failingOn(first, (value) => value === 'bad');
    const two = failingOn(second, (value) => value === 'bad');

    // Act
    culpritProblems(first, one.check, () => HINT, budget);
    const problems = culpritProblems(second, two.check, () => HINT, budget);

    // Assess
    expect(one.calls() + two.calls()).toBe(3);
    expect(problems.map((problem) => problem.message.split(';')[0])).toEqual([
      'one or more of the values of #{A} (line 1), #{B} (line 1), #{C} (line 1), #{D} (line 1) make this document invalid (too many to check one by one)',
    ]);
  });
});
