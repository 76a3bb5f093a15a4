/**
 * Where the API is and how to sign for it, from the flags, the environment, and
 * `.conveyor/local.env` — in that order, so an explicit flag always wins and the local stack's
 * file is the fallback. The same resolution serves AWS and the local stack: an endpoint, a
 * region and credentials from the standard AWS chain (profiles, environment variables).
 */
import { EndpointError } from './errors.ts';
import { findLocalEnv, LOCAL_ENV_FILE, type LocalEnv } from './local-env.ts';

/** What a command was given on its command line. */
export type ConnectionFlags = { endpoint?: string; region?: string; profile?: string };

export type ConnectionSettings = {
  endpoint: URL;
  /** Where the endpoint came from, for messages: `--endpoint`, `CONVEYOR_API_URL`, or the file. */
  endpointSource: string;
  region: string;
  /** The AWS profile to sign with; the chain's default when absent. */
  profile?: string;
  /** The shared-credentials file, when local.env names one the environment does not. */
  credentialsFile?: string;
};

export const API_URL_VARIABLE = 'CONVEYOR_API_URL';
/** `abcdef1234.execute-api.eu-west-1.amazonaws.com`: the region is in the host. */
const EXECUTE_API_HOST = /\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

export type Environment = Readonly<Record<string, string | undefined>>;

function parseEndpoint(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EndpointError(`${source} is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointError(`${source} must be an https:// (or http://) URL, got "${url.protocol}"`);
  if (url.username || url.password) throw new EndpointError(`${source} must not carry credentials: requests are signed with AWS credentials`);
  return url;
}

function endpointOf(flags: ConnectionFlags, env: Environment, local: LocalEnv | undefined): { endpoint: URL; endpointSource: string } {
  if (flags.endpoint !== undefined) return { endpoint: parseEndpoint(flags.endpoint, '--endpoint'), endpointSource: '--endpoint' };
  if (env[API_URL_VARIABLE]) return { endpoint: parseEndpoint(env[API_URL_VARIABLE], API_URL_VARIABLE), endpointSource: API_URL_VARIABLE };
  const fromFile = local?.values[API_URL_VARIABLE];
  if (local && fromFile) return { endpoint: parseEndpoint(fromFile, `${API_URL_VARIABLE} in ${local.path}`), endpointSource: local.path };
  throw new EndpointError(
    `no Conveyor API endpoint: pass --endpoint URL, set ${API_URL_VARIABLE}, or start the local stack with \`conveyor up\` (it writes ${LOCAL_ENV_FILE}, read from this directory or a parent)`,
  );
}

/** Flag, the API's own host (on AWS the region is part of it), the environment, local.env. */
export function regionOf(flags: Pick<ConnectionFlags, 'region'>, endpoint: URL, env: Environment, local: LocalEnv | undefined): string {
  const region = flags.region ?? EXECUTE_API_HOST.exec(endpoint.hostname)?.[1] ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || local?.values.AWS_REGION || local?.values.AWS_DEFAULT_REGION);
  if (!region) throw new EndpointError(`no AWS region to sign requests for ${endpoint.origin}: pass --region or set AWS_REGION`);
  return region;
}

/** Everything a command needs to reach and sign for the API; EndpointError (exit 2) when something is missing. */
export function resolveConnection(flags: ConnectionFlags, env: Environment = process.env, cwd = process.cwd()): ConnectionSettings {
  const local = findLocalEnv(cwd);
  const { endpoint, endpointSource } = endpointOf(flags, env, local);
  const region = regionOf(flags, endpoint, env, local);
  // The local stack's profile and credentials file apply when talking to the local stack's API.
  const stack = local && endpointSource === local.path ? local : undefined;
  const profile = flags.profile ?? (env.AWS_PROFILE || stack?.values.AWS_PROFILE || undefined);
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ? undefined : stack?.pathValue('AWS_SHARED_CREDENTIALS_FILE');
  return { endpoint, endpointSource, region, ...(profile ? { profile } : {}), ...(credentialsFile ? { credentialsFile } : {}) };
}
