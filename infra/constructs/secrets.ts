/**
 * Secret material (account credentials, sensitive variables) lives in Secrets Manager under one
 * name prefix (functions/domain/secrets.ts). The secrets themselves are data, created at run time
 * through the API, so this construct creates no secret: it owns the prefix and the grants on it.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DEFAULT_SECRET_PREFIX } from '#domain/secrets.ts';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** What readers call (functions/adapters/secrets/secrets-manager.ts). */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] as const;
/** What writers call besides: create (with tags), put a new value, delete. */
export const SECRET_WRITE_ACTIONS = ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret'] as const;

const WILDCARD_REASON =
  'Secrets are data: one per account credential or sensitive variable, named at run time. The grant covers only names under the pipeline prefix (the store refuses any other name too).';

export type PipelineSecretsProps = {
  /** The name prefix of every Conveyor secret; defaults to DEFAULT_SECRET_PREFIX (`conveyor/`). */
  prefix?: string;
};

export class PipelineSecrets extends Construct {
  readonly prefix: string;
  /** `arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>*`: every secret under the prefix, nothing else. */
  readonly secretsArn: string;

  constructor(scope: Construct, id: string, props: PipelineSecretsProps = {}) {
    super(scope, id);
    this.prefix = props.prefix ?? DEFAULT_SECRET_PREFIX;
    this.secretsArn = Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${this.prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** SECRETS_PREFIX, and GetSecretValue/DescribeSecret on the secrets under it. */
  grantRead(fn: lambda.Function): void {
    this.grant(fn, 'SecretsRead', SECRET_READ_ACTIONS);
  }

  /** SECRETS_PREFIX, and reading, creating, updating and deleting the secrets under it. */
  grantWrite(fn: lambda.Function): void {
    this.grant(fn, 'SecretsWrite', [...SECRET_READ_ACTIONS, ...SECRET_WRITE_ACTIONS]);
  }

  private grant(fn: lambda.Function, sid: string, actions: readonly string[]): void {
    const [variable] = CONFIG_VARIABLES.secrets;
    fn.addEnvironment(variable, this.prefix);
    fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions: [...actions], resources: [this.secretsArn] }));
    acknowledgeWildcardResource(fn.role!, this.secretsArn, WILDCARD_REASON);
  }
}
