/**
 * The composition root: configuration read once and SDK clients created once per Lambda
 * container, then handed to the adapters. A handler names what it needs; what it does not
 * need is neither configured nor created, and using it anyway is a bug that says so.
 * Production code does not know where AWS is: the SDK clients follow AWS_REGION and the
 * standard AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local runtime points them
 * at its own services.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbStores, DOCUMENT_CLIENT_CONFIG } from '#adapters/dynamodb/index.ts';
import { EventBridgePublisher } from '#adapters/events/publisher.ts';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { StepFunctionsWorkflows } from '#adapters/sfn/workflows.ts';
import { newId } from '#domain/pipeline/ids.ts';
import { DEFAULT_SECRET_PREFIX } from '#domain/secrets.ts';
import type { AppDeps } from '#functions/app/context.ts';
import { optionalEnv, requireEnv } from './env.ts';

/** What a function may ask the composition root for (the catalog grants the same). */
export type Need = 'table' | 'secrets' | 'workflows' | 'events';

/** The environment variables each need reads; the CDK stack sets them with the matching grant. */
export const CONFIG_VARIABLES = {
  table: ['TABLE_NAME'],
  secrets: ['SECRETS_PREFIX'],
  workflows: ['DEPLOYMENT_STATE_MACHINE_ARN', 'RELEASE_LIFECYCLE_STATE_MACHINE_ARN'],
  events: ['EVENT_BUS_NAME'],
} as const satisfies Record<Need, readonly string[]>;

/** Stands in for a dependency the function did not ask for: any use is a wiring bug. */
function notWired<T extends object>(need: Need): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`this function was not given "${need}" (asked for .${String(property)}); add it to its needs and its catalog access`);
    },
  });
}

/** Builds the dependencies `needs` names, reading their configuration now (cold start). */
export function productionDeps(needs: readonly Need[]): AppDeps {
  const clock = () => new Date();
  const deps: AppDeps = {
    stores: notWired('table'),
    secrets: notWired('secrets'),
    workflows: notWired('workflows'),
    events: notWired('events'),
    clock,
    newId: () => newId(clock()),
  };
  if (needs.includes('table')) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), DOCUMENT_CLIENT_CONFIG);
    deps.stores = createDynamoDbStores(client, { tableName: requireEnv('TABLE_NAME') });
  }
  if (needs.includes('secrets')) {
    deps.secrets = new SecretsManagerStore(new SecretsManagerClient({}), { prefix: optionalEnv('SECRETS_PREFIX', DEFAULT_SECRET_PREFIX) });
  }
  if (needs.includes('workflows')) {
    deps.workflows = new StepFunctionsWorkflows(new SFNClient({}), {
      deployment: requireEnv('DEPLOYMENT_STATE_MACHINE_ARN'),
      'release-lifecycle': requireEnv('RELEASE_LIFECYCLE_STATE_MACHINE_ARN'),
    });
  }
  if (needs.includes('events')) deps.events = new EventBridgePublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME'));
  return deps;
}
