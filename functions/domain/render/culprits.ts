/**
 * Which variable breaks a document. When the real text of a document is invalid or has
 * another structure than its skeleton, partial texts are checked in which only some uses get
 * their value (the others keep their markers), halving the set each time: a few parses find
 * the variable among many, and then the uses of that variable that do it. Values that break a
 * document only together are named together. This runs on the error path only, and budgets
 * bound the parses per document and per rendering.
 *
 * Messages name variables and lines, never values: a sensitive variable's message says what
 * its value did to the structure (from skeleton and node kinds) and nothing of its text.
 */
import type { InputProblem } from '../errors.ts';
import type { DocumentPlan } from './substitute.ts';

/**
 * Checks the text in which the uses `selected` by index have their value: undefined when it
 * is fine, else what the values do (a phrase that follows "the value of #{Name} (line 6)").
 */
export type Check = (selected: (index: number) => boolean) => string | undefined;

/** Checks (each a parse) for one document: enough for a few culprits among a hundred variables. */
const MAX_CHECKS = 64;
/**
 * Text all culprit searches of one rendering may parse, shared by its documents: a few
 * seconds of parsing, so that a value that breaks every document of a large input ends in
 * an error soon, naming the rest without checking them one by one.
 */
const SEARCH_BYTES = 16 * 1024 * 1024;

/** What is left of the search budget of one rendering (SEARCH_BYTES). */
export type SearchBudget = { bytes: number };

/** A fresh budget, for one rendering. */
export function createSearchBudget(): SearchBudget {
  return { bytes: SEARCH_BYTES };
}

const MAX_LINES_SHOWN = 5;
const MAX_VARIABLES_SHOWN = 10;
const SECRET_NOTE = ' (the text is not shown, to keep the value secret)';
const STRUCTURE_RULE = 'a variable fills one value and cannot change the structure of a manifest';

/** A set of uses that breaks the document; `undecided` when the budget ran out before it could be narrowed down. */
type Group<T> = { items: T[]; undecided: boolean };

/**
 * Subsets of `items` that fail on their own; `fails(items)` is known to be true. `fails`
 * returns undefined once the budget is spent: what is left is then one undecided group.
 */
function isolate<T>(items: T[], fails: (subset: T[]) => boolean | undefined): Group<T>[] {
  if (items.length <= 1) return [{ items, undecided: false }];
  const half = Math.ceil(items.length / 2);
  const halves = [items.slice(0, half), items.slice(half)];
  const found: Group<T>[] = [];
  for (const [index, subset] of halves.entries()) {
    const failing = fails(subset);
    if (failing === undefined) return [...found, { items: halves.slice(index).flat(), undecided: true }];
    if (failing) found.push(...isolate(subset, fails));
  }
  if (found.length > 0) return found;
  // Neither half fails alone: the values break the document only together. Those it still
  // fails without are dropped one by one, as far as the budget allows.
  let group = items;
  for (const item of items) {
    if (group.length <= 2) break;
    const without = group.filter((other) => other !== item);
    const failing = fails(without);
    if (failing === undefined) break;
    if (failing) group = without;
  }
  return [{ items: group, undecided: false }];
}

/** `(line 6)`, `(lines 6, 9)`, `(lines 1, 2, 3, 4, 5 and 7 more)`. */
function showLines(lines: number[]): string {
  const unique = [...new Set(lines)].sort((a, b) => a - b);
  const shown = unique.slice(0, MAX_LINES_SHOWN).join(', ');
  const more = unique.length > MAX_LINES_SHOWN ? ` and ${unique.length - MAX_LINES_SHOWN} more` : '';
  return unique.length === 1 ? `(line ${shown})` : `(lines ${shown}${more})`;
}

/** Each variable of `uses` with the lines it is used on; sensitive ones without `#{}` so they read as names. */
function describeUses(plan: DocumentPlan, uses: number[]): { labels: string[]; sensitive: boolean } {
  const byKey = new Map<string, { name: string; sensitive: boolean; lines: number[] }>();
  for (const index of uses) {
    const { variable, line } = plan.replacements[index];
    if (!variable) continue;
    const entry = byKey.get(variable.key) ?? { name: variable.name, sensitive: variable.sensitive, lines: [] };
    entry.lines.push(line);
    byKey.set(variable.key, entry);
  }
  const entries = [...byKey.values()];
  const labels = entries.slice(0, MAX_VARIABLES_SHOWN).map((entry) => `${entry.sensitive ? `sensitive variable ${entry.name}` : `#{${entry.name}}`} ${showLines(entry.lines)}`);
  if (entries.length > MAX_VARIABLES_SHOWN) labels.push(`${entries.length - MAX_VARIABLES_SHOWN} more variables`);
  return { labels, sensitive: entries.some((entry) => entry.sensitive) };
}

/**
 * The problem for a set of uses that breaks the document; `change` is what they do, or
 * undefined when the budget ran out before that was known; `hint` says how to fix it.
 */
function culpritProblem(plan: DocumentPlan, uses: number[], change: string | undefined, hint: string): InputProblem {
  const { labels, sensitive } = describeUses(plan, uses);
  const note = sensitive ? SECRET_NOTE : '';
  let message: string;
  if (change === undefined) message = `one or more of the values of ${labels.join(', ')} make this document invalid${note} (too many to check one by one)`;
  else if (labels.length > 1) message = `the values of ${labels.join(' and ')} together make this document invalid${note}: the result ${change}`;
  else if (sensitive) message = `the value of ${labels[0]} makes this document invalid${note}: it ${change}`;
  else message = `the value of ${labels[0]} ${change}`;
  const line = Math.min(...uses.map((index) => plan.replacements[index].line));
  return { source: { file: plan.file, document: plan.document, line }, message: `${message}; ${STRUCTURE_RULE}: ${hint}` };
}

/**
 * One problem per variable (or set of variables) whose values make `check` fail, which it
 * does for the real text. `hintFor(index)` is the advice for the use at `index`.
 */
export function culpritProblems(plan: DocumentPlan, check: Check, hintFor: (index: number) => string, budget: SearchBudget): InputProblem[] {
  let checks = MAX_CHECKS;
  /** What each checked set of uses did, so that a culprit's phrase costs no second check. */
  const seen = new Map<string, string>();
  /** What the values of `uses` do alone: a phrase, '' when nothing, undefined when the budget is spent. */
  const run = (uses: number[]): string | undefined => {
    const known = seen.get(uses.join());
    if (known !== undefined) return known;
    if (checks <= 0 || budget.bytes < plan.text.length) return undefined;
    checks -= 1;
    budget.bytes -= plan.text.length;
    const selected = new Set(uses);
    const change = check((index) => selected.has(index)) ?? '';
    seen.set(uses.join(), change);
    return change;
  };
  const fails = (uses: number[]): boolean | undefined => {
    const change = run(uses);
    return change === undefined ? undefined : change !== '';
  };
  const uses = plan.replacements.flatMap((replacement, index) => (replacement.variable ? [index] : []));
  const usesOf = (keys: string[]): number[] => uses.filter((index) => keys.includes(plan.replacements[index].variable!.key));
  const keys = [...new Set(uses.map((index) => plan.replacements[index].variable!.key))];

  return isolate(keys, (subset) => fails(usesOf(subset))).map((group) => {
    let culprits = usesOf(group.items);
    if (group.undecided) return culpritProblem(plan, culprits, undefined, hintFor(culprits[0]));
    let change = run(culprits);
    if (group.items.length === 1 && culprits.length > 1 && change) {
      // Which uses of the variable: narrowed only as far as the budget allows.
      const narrowed = isolate(culprits, fails);
      if (!narrowed.some((subset) => subset.undecided)) {
        culprits = narrowed.flatMap((subset) => subset.items);
        change = run(culprits) || change;
      }
    }
    return culpritProblem(plan, culprits, change || undefined, hintFor(culprits[0]));
  });
}
