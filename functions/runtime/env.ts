/**
 * Configuration comes from environment variables read once, at cold start, through these
 * helpers: a missing or empty value fails the function's start with a message naming the
 * variable, instead of failing some request later. Secrets never sit in environment
 * variables (they are read from Secrets Manager at run time).
 */

/** Thrown at cold start when the function is misconfigured; a deploy-time bug, never the caller's. */
export class MissingConfigurationError extends Error {
  constructor(
    readonly variable: string,
    detail = 'is not set',
  ) {
    super(`environment variable ${variable} ${detail}`);
    this.name = 'MissingConfigurationError';
  }
}

type Env = Record<string, string | undefined>;

/** The value of `name`, which must be set and non-blank. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingConfigurationError(name);
  return value;
}

/** The value of `name`, or `fallback` when it is unset or blank. */
export function optionalEnv(name: string, fallback: string, env: Env = process.env): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value;
}

/** A whole, positive number from `name`, or `fallback`. */
export function numberEnv(name: string, fallback: number, env: Env = process.env): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new MissingConfigurationError(name, `must be a whole positive number, found "${text}"`);
  return value;
}
