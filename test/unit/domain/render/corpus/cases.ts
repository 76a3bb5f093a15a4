/**
 * The bad-input corpus (see README.md here): each manifest file with the flags it needs and
 * the message fragment its error must contain. Shared by the render unit test and the
 * `conveyor apply` exit-code test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = import.meta.dirname;

export type CorpusCase = {
  expect: string;
  error: string;
  vars?: Record<string, string>;
  sensitive?: string[];
  images?: Record<string, string>;
  target?: { namespace?: string; admin?: boolean };
};

export function loadCorpus(): Record<string, CorpusCase> {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'cases.json'), 'utf8')) as Record<string, CorpusCase>;
}
