/**
 * `conveyor image push REPO:TAG [--digest sha256:...]` on the local stack: there is no ECR
 * there, so the command announces the push as ECR does — the documented "ECR Image Action"
 * event, through PutEvents on the local EventBridge (local/aws/events/ecr.ts builds it) — and
 * the catalog's rule delivers it to the on-image-push function, which makes the releases. The
 * EventBridge endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE (or AWS_ENDPOINT_URL_EVENTS) in
 * the environment or `.conveyor/local.env`; without one the command refuses, as on AWS an image
 * push is a `docker push` to ECR.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LOCAL_ACCOUNT } from '#local/aws/api-gateway/server.ts';
import { publishImagePush } from '#local/aws/events/ecr.ts';
import { regionOf } from '../api/endpoint.ts';
import { EndpointError } from '../api/errors.ts';
import { findLocalEnv, LOCAL_ENV_FILE } from '../api/local-env.ts';
import { credentialsFor } from '../api/session.ts';
import { UsageError } from '../errors.ts';
import type { Output } from '../output.ts';

export const EVENTS_ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_EVENTBRIDGE', 'AWS_ENDPOINT_URL_EVENTS'] as const;
/** `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web`: an ECR repository URI. */
const ECR_URI = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/(.+)$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export type PushFlags = { digest?: string; region?: string; profile?: string };

/** `shop/web:1.4.2` or an ECR URI with its tag → the repository's name in ECR, its account, the tag. */
export function parseImage(text: string): { repository: string; account: string; tag: string } {
  const index = text.lastIndexOf(':');
  if (index <= 0 || text.slice(index).includes('/')) throw new UsageError(`an image is REPOSITORY:TAG (shop/web:1.4.2), got "${text}"`);
  const [name, tag] = [text.slice(0, index), text.slice(index + 1)];
  if (!TAG.test(tag)) throw new UsageError(`"${tag}" is not an image tag: letters, digits, "_", "." and "-", at most 128`);
  const uri = ECR_URI.exec(name);
  return { repository: uri ? uri[2]! : name, account: uri ? uri[1]! : LOCAL_ACCOUNT, tag };
}

/** The local EventBridge, the region and the credentials to sign with, from the environment or local.env. */
function eventsConnection(flags: PushFlags, env = process.env, cwd = process.cwd()) {
  const local = findLocalEnv(cwd);
  const endpoint = EVENTS_ENDPOINT_VARIABLES.map((name) => env[name] || local?.values[name]).find(Boolean);
  if (!endpoint) {
    throw new EndpointError(
      `image push publishes to the local stack's EventBridge, and none is known: start the stack with \`conveyor up\` (it writes ${LOCAL_ENV_FILE}), or set AWS_ENDPOINT_URL_EVENTBRIDGE`,
    );
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointError(`the EventBridge endpoint is not a URL: "${endpoint}"`);
  }
  const region = regionOf(flags, url, env, local);
  const profile = flags.profile ?? (env.AWS_PROFILE || local?.values.AWS_PROFILE || undefined);
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ? undefined : local?.pathValue('AWS_SHARED_CREDENTIALS_FILE');
  return { url, region, profile, credentialsFile };
}

export async function push(image: string, flags: PushFlags, out: Output): Promise<void> {
  const { repository, account, tag } = parseImage(image);
  if (flags.digest !== undefined && !DIGEST.test(flags.digest)) throw new UsageError(`--digest must be sha256: and 64 hex digits, got "${flags.digest}"`);
  // Without --digest the push is of new content: a digest no other push had.
  const digest = flags.digest ?? `sha256:${createHash('sha256').update(randomBytes(32)).digest('hex')}`;
  const connection = eventsConnection(flags);
  const client = new EventBridgeClient({ endpoint: connection.url.href, region: connection.region, credentials: credentialsFor(connection) });
  try {
    const eventId = await publishImagePush(client, { repository, tag, digest, account, region: connection.region });
    out.result(
      { repository, tag, digest, eventId },
      () => `pushed ${repository}:${tag} (${digest}): ECR event ${eventId} published; the image-push rule makes the releases (conveyor release list PROJECT)`,
    );
  } finally {
    client.destroy();
  }
}
