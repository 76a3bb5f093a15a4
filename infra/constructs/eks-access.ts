/**
 * Access to EKS clusters for the functions that deploy (catalog `access.eks`). A target's EKS
 * account names a role to assume (functions/adapters/kubernetes/eks.ts); the functions may assume
 * only roles created under one IAM path, so a target cannot point them at any other role in the
 * account, and may look up clusters (DescribeCluster) to find an endpoint the target leaves out.
 * Creates no resource: deployer roles belong to the cluster owners, who create them under the
 * path with a trust policy naming these functions' roles.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledgeWildcardResource } from './nag.ts';

/** The IAM path deployer roles are created under: `arn:aws:iam::<account>:role/conveyor-deployers/<name>`. */
export const DEPLOYER_ROLE_PATH = 'conveyor-deployers';

const ROLE_WILDCARD_REASON = `Deployer roles are data (each EKS account names one); AssumeRole is limited to roles under the /${DEPLOYER_ROLE_PATH}/ path of the listed accounts, which only cluster owners create.`;
const CLUSTER_WILDCARD_REASON = 'Clusters and their regions are data (each target names one); DescribeCluster only reads the endpoint and CA of clusters in this account.';

export type EksAccessProps = {
  /** Accounts whose deployer roles may be assumed; defaults to the stack's own account. */
  deployerAccounts?: string[];
  /** Defaults to DEPLOYER_ROLE_PATH. */
  rolePath?: string;
};

export class EksAccess {
  /** One ARN pattern per account: `arn:<partition>:iam::<account>:role/<path>/*`. */
  readonly deployerRoleArns: string[];
  /** Clusters in this account, any region (targets name the region). */
  readonly clusterArn: string;

  constructor(props: EksAccessProps = {}) {
    const path = props.rolePath ?? DEPLOYER_ROLE_PATH;
    const accounts = props.deployerAccounts ?? [Aws.ACCOUNT_ID];
    this.deployerRoleArns = accounts.map((account) => `arn:${Aws.PARTITION}:iam::${account}:role/${path}/*`);
    this.clusterArn = `arn:${Aws.PARTITION}:eks:*:${Aws.ACCOUNT_ID}:cluster/*`;
  }

  /** sts:AssumeRole on the deployer roles, eks:DescribeCluster on this account's clusters. */
  grantDeploy(fn: lambda.Function): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'AssumeDeployerRoles', actions: ['sts:AssumeRole'], resources: this.deployerRoleArns }));
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeClusters', actions: ['eks:DescribeCluster'], resources: [this.clusterArn] }));
    const role = fn.role!;
    for (const arn of this.deployerRoleArns) acknowledgeWildcardResource(role, arn, ROLE_WILDCARD_REASON);
    acknowledgeWildcardResource(role, this.clusterArn, CLUSTER_WILDCARD_REASON);
  }
}
