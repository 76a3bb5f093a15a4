/**
 * Vitest global setup: one DynamoDB Local for the whole run, launched before the test files and
 * stopped after them. It is not waited for here: the JVM starts while the first files run, and
 * the files that use it wait for its port (test/integration/dynamodb/helpers.ts). Files find it
 * with `inject('dynamoDbEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { launchDynamoDbLocal } from './support/dynamodb-local.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamoDb = await launchDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('dynamoDbLog', dynamoDb.logPath);
  if (process.env.CONVEYOR_TEST_TIMINGS) dynamoDb.ready.then((ms) => console.log(`DynamoDB Local accepting connections after ${ms} ms at ${dynamoDb.endpoint}`));
  return () => dynamoDb.stop();
}
