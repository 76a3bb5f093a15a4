/**
 * What every bad-input case module shares: the case shape and the sandbox environment the
 * test file fills in before any case runs. Case modules export `cases: BadInput[]` and, if
 * they need files or objects of their own, `setup(env)` (run once, after the sandbox starts).
 */
import { join } from 'node:path';
import type { TestSandbox } from '../../../support/sandbox.ts';

export type BadInput = {
  name: string;
  /** Arguments after `apply`; --kubeconfig is added unless the case gives one. */
  args: () => string[];
  /** Fragments stderr must contain (a function when they depend on the sandbox). */
  expect: string[] | (() => string[]);
  /** The error type the JSON output must name (cases run with --output json). */
  error?: string;
  /** Values that must appear nowhere in the output. */
  secrets?: string[];
  /** Run as a process rather than in-process. */
  process?: boolean;
  /** Text for the process's stdin (process cases only); a file path to stream instead with `stdinFile`. */
  stdin?: string;
  stdinFile?: string;
};

/** Filled in by the test file's beforeAll. */
export const env = {
  t: undefined as unknown as TestSandbox,
  /** A directory for files cases write in their setup. */
  dir: '',
};

export const NS = 'team-a';
/** The target name of the sandbox kubeconfig's current context. */
export const ADMIN_CONTEXT = 'sandbox-admin';
export const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);
export const inTeamA = ['--namespace', NS];
export const at = (file: string, line = 1, document = 1) => `${fixture(file)}: document ${document}, line ${line}: `;
