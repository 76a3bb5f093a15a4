/**
 * Who is calling: API Gateway's IAM authorizer verified the request's SigV4 signature and put
 * the caller's identity in `requestContext.authorizer.iam`. Role bindings are stored by role ARN
 * for roles (an assumed-role session of the same role is the same principal: sessions come and
 * go), and by user ARN for users.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { ForbiddenError } from '#domain/pipeline/errors.ts';

export type Principal = {
  /** What API Gateway reported: a user ARN or an assumed-role session ARN. */
  callerArn: string;
  /** What role bindings name: the role ARN for a session, the caller ARN otherwise. */
  principalArn: string;
};

/** arn:aws:sts::123456789012:assumed-role/Deployer/session → arn:aws:iam::123456789012:role/Deployer */
const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

export function principalOf(callerArn: string): Principal {
  const session = ASSUMED_ROLE.exec(callerArn);
  if (!session) return { callerArn, principalArn: callerArn };
  const [, partition, account, role] = session;
  return { callerArn, principalArn: `arn:${partition}:iam::${account}:role/${role}` };
}

/** The caller of an HTTP API request with IAM authorization; a request without one is refused. */
export function callerOf(event: Pick<APIGatewayProxyEventV2WithIAMAuthorizer, 'requestContext'>): Principal {
  const arn = event.requestContext?.authorizer?.iam?.userArn;
  if (!arn) throw new ForbiddenError('request', 'no IAM principal: every route requires IAM (SigV4) authorization');
  return principalOf(arn);
}
