/**
 * cdk-nag acknowledgements in one shape: each names the exact finding (a rule id, or a rule id
 * with the one wildcard it accepts) and says why it is right here. An acknowledgement of
 * `AwsSolutions-IAM5[Resource::*]` would also hide any later `*` on the same role, so the
 * actions allowed on `*` are listed below and the template tests assert that nothing else is.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Actions that IAM only grants on `"Resource": "*"` (the service has no resource-level
 * permissions for them), and the only ones any Conveyor policy grants on `*`.
 */
export const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  // Active tracing (Lambda and Step Functions): X-Ray segments are not resources.
  'xray:PutTraceSegments': 'X-Ray active tracing',
  'xray:PutTelemetryRecords': 'X-Ray active tracing',
  'xray:GetSamplingRules': 'X-Ray tracing of the state machines',
  'xray:GetSamplingTargets': 'X-Ray tracing of the state machines',
  // Step Functions logs through CloudWatch Logs' vended-log delivery API, which has no resource type.
  'logs:CreateLogDelivery': 'state machine logging',
  'logs:GetLogDelivery': 'state machine logging',
  'logs:UpdateLogDelivery': 'state machine logging',
  'logs:DeleteLogDelivery': 'state machine logging',
  'logs:ListLogDeliveries': 'state machine logging',
  'logs:PutResourcePolicy': 'state machine logging',
  'logs:DescribeResourcePolicies': 'state machine logging',
  'logs:DescribeLogGroups': 'state machine logging',
};

/** The reason given for `Resource::*` on a role that traces with X-Ray. */
export const XRAY_WILDCARD_REASON =
  'Resource * only for xray:PutTraceSegments/PutTelemetryRecords (and GetSampling* for Step Functions), which X-Ray grants on no narrower resource; the template tests assert no other action is on *.';

/** Acknowledges `ruleId` (a whole rule) on `scope` and everything under it. */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}

/**
 * Acknowledges the IAM5 finding for one wildcard resource, named the way cdk-nag names it
 * (`Resource::arn:<AWS::Partition>:...`), so the acknowledgement cannot cover any other wildcard.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}
