/**
 * A client for the API from a command's flags: the endpoint and region resolved (endpoint.ts),
 * credentials from the SDK's default chain — environment variables, then profiles of the shared
 * credentials and config files (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE honoured), SSO, process
 * and web-identity credentials, container and instance roles — exactly as the AWS CLI and SDK
 * find them. Loaded only by commands that talk to the API: the SDK stays out of the others.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiClient } from './client.ts';
import { type ConnectionFlags, type ConnectionSettings, resolveConnection } from './endpoint.ts';
import { CredentialsError } from './errors.ts';

const CREDENTIALS_HELP =
  'set AWS_PROFILE (a profile of ~/.aws/credentials, or of the file AWS_SHARED_CREDENTIALS_FILE names), pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for the local stack, `source .conveyor/local.env`';

/** The standard chain for `settings`, its failures turned into CredentialsError (exit 3) saying where credentials come from. */
export function credentialsFor(settings: Pick<ConnectionSettings, 'profile' | 'credentialsFile'>): AwsCredentialIdentityProvider {
  const chain = fromNodeProviderChain({
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.credentialsFile ? { filepath: settings.credentialsFile } : {}),
  });
  return async (...args) => {
    try {
      return await chain(...args);
    } catch (error) {
      // The SDK's messages name profiles and files, never key material.
      const reason = (error as Error).message;
      throw new CredentialsError(`no AWS credentials to sign with${settings.profile ? ` (profile "${settings.profile}")` : ''}: ${reason}; ${CREDENTIALS_HELP}`, { cause: error });
    }
  };
}

export function connect(flags: ConnectionFlags): ApiClient {
  const settings = resolveConnection(flags);
  return new ApiClient({ endpoint: settings.endpoint, region: settings.region, credentials: credentialsFor(settings) });
}
