/**
 * Approvals, in their deployment's partition (so "show deployment" includes them). A decision
 * is written once, on condition that none exists and that the decider is not the deployment's
 * starter: the rule holds even if a caller forgot to check it.
 */
import { DuplicateError, ForbiddenError, InvalidStateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Approval, ApprovalDecision, PrincipalArn, Timestamp } from '#domain/pipeline/model.ts';
import type { ApprovalStore, New } from '#domain/pipeline/ports.ts';
import { IS_NEW } from './config-stores.ts';
import { APPROVAL_TYPE } from './deployment-store.ts';
import { ConditionFailed } from './errors.ts';
import { approvalKey, deploymentKey } from './keys.ts';
import { fromItem, setFields, type TableClient, toItem } from './table-client.ts';

const subject = (deploymentId: string, stepIndex: number) => `approval of step ${stepIndex} in deployment ${deploymentId}`;

export class DynamoApprovalStore implements ApprovalStore {
  constructor(private readonly table: TableClient) {}

  async request(input: New<Approval>): Promise<Approval> {
    const approval: Approval = { ...input, version: 1 };
    const name = subject(input.deploymentId, input.stepIndex);
    try {
      await this.table.transact(
        [
          { ConditionCheck: { Key: deploymentKey(input.deploymentId), ConditionExpression: 'attribute_exists(PK)' } },
          { Put: { Item: toItem(approvalKey(input.deploymentId, input.stepIndex), APPROVAL_TYPE, approval), ConditionExpression: IS_NEW } },
        ],
        `requesting the ${name}`,
      );
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      throw error.failed.includes(0) ? new NotFoundError(`deployment ${input.deploymentId}`) : new DuplicateError(name);
    }
    return approval;
  }

  async get(deploymentId: string, stepIndex: number): Promise<Approval> {
    const item = await this.table.get(approvalKey(deploymentId, stepIndex), `reading the ${subject(deploymentId, stepIndex)}`);
    if (!item) throw new NotFoundError(subject(deploymentId, stepIndex));
    return fromItem<Approval>(item);
  }

  async decide(
    key: { deploymentId: string; stepIndex: number; version: number },
    decision: { decision: ApprovalDecision; decidedBy: PrincipalArn; decidedAt: Timestamp; comment?: string },
  ): Promise<Approval> {
    const name = subject(key.deploymentId, key.stepIndex);
    const update = setFields({ ...decision, comment: decision.comment, version: key.version + 1 });
    try {
      const item = await this.table.update(
        {
          Key: approvalKey(key.deploymentId, key.stepIndex),
          ...update,
          ConditionExpression: 'attribute_exists(PK) AND #version = :expected AND attribute_not_exists(#decision) AND requestedBy <> :decidedBy',
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':expected': key.version },
        },
        `deciding the ${name}`,
      );
      return fromItem<Approval>(item);
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      throw await this.#explain(key, decision.decidedBy);
    }
  }

  async #explain(key: { deploymentId: string; stepIndex: number; version: number }, decidedBy: PrincipalArn): Promise<Error> {
    const name = subject(key.deploymentId, key.stepIndex);
    const item = await this.table.get(approvalKey(key.deploymentId, key.stepIndex), `reading the ${name}`);
    if (!item) return new NotFoundError(name);
    const stored = fromItem<Approval>(item);
    if (stored.decision) return new InvalidStateError(name, `was already ${stored.decision.toLowerCase()} by ${stored.decidedBy}; a decision is final`);
    if (stored.requestedBy === decidedBy) return new ForbiddenError(name, 'the person who started a deployment may not approve it');
    return new VersionConflictError(name, key.version, stored.version);
  }
}
