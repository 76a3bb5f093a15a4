/**
 * The composition root's part for functions that connect to clusters from the API (the
 * targets function's health check). Apart from deps.ts so that only the functions that use it
 * bundle @kubernetes/client-node and the STS and EKS clients: the other API functions stay small
 * and start fast. Clients are created once per container, on first use.
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { STSClient } from '@aws-sdk/client-sts';
import { clientCredentials, eksDescribeCluster, stsAssumeRole } from '#adapters/kubernetes/aws.ts';
import type { AwsDeps } from '#adapters/kubernetes/kubeconfig.ts';
import { KubernetesClusterProbe } from '#adapters/kubernetes/probe.ts';
import type { ClusterProbe } from '#domain/pipeline/cluster-probe.ts';

/**
 * What EKS accounts need from AWS: AssumeRole and the function's own credentials through one
 * STS client, DescribeCluster through one EKS client per region (an account names its region).
 */
export function eksAwsDeps(): AwsDeps {
  const sts = new STSClient({});
  const eksByRegion = new Map<string, EKSClient>();
  return {
    assumeRole: stsAssumeRole(sts),
    defaultCredentials: clientCredentials(sts),
    describeCluster: (request) => {
      let eks = eksByRegion.get(request.region);
      if (!eks) eksByRegion.set(request.region, (eks = new EKSClient({ region: request.region })));
      return eksDescribeCluster(eks)(request);
    },
  };
}

/** The cluster probe of `POST /targets/{targetId}/health`. */
export function productionClusterProbe(): ClusterProbe {
  return new KubernetesClusterProbe(eksAwsDeps());
}
