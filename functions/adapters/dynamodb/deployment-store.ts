/**
 * Deployments. The deployment partition holds the deployment item, one item per step × target
 * result (each written by its own Map branch, so branches never contend), the task log lines and
 * the approvals: "show deployment" is one query. The dashboard matrix is one partition with one
 * cell per project × environment, written in the same transaction as the deployment it shows.
 */
import { randomBytes } from 'node:crypto';
import { DuplicateError, InvalidStateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import {
  type Approval,
  allowedPreviousStates,
  type Deployment,
  type DeploymentDetail,
  type DeploymentState,
  isFinal,
  type MatrixCell,
  type StepTargetResult,
  type TaskLogEntry,
} from '#domain/pipeline/model.ts';
import type { DeploymentStore, New, Page, PageRequest } from '#domain/pipeline/ports.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import { AT_VERSION, IS_NEW } from './config-stores.ts';
import { ConditionFailed } from './errors.ts';
import { deploymentHistoryKey, deploymentKey, deploymentPartition, deploymentStateKey, logKey, MATRIX_PARTITION, matrixKey, releaseDeploymentsKey, resultKey } from './keys.ts';
import { INDEX } from './table.ts';
import { fromItem, type Item, names, setFields, TableClient, type TransactItem, toItem } from './table-client.ts';

/** Deployment ids go into keys: letters, digits, `-` and `_`, as ULIDs and UUIDs are. */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A log line is a summary a person reads; longer text is cut here so a batch stays far below the transaction limit. */
export const MAX_LOG_MESSAGE_CHARS = 8_000;
/** Log lines per transaction: 100 items, one of which checks that the deployment exists. */
const LOG_LINES_PER_WRITE = 99;
const LOG_BATCH_ID_BYTES = 4;

export const DEPLOYMENT_TYPE = 'Deployment';
export const RESULT_TYPE = 'StepTargetResult';
export const LOG_TYPE = 'TaskLogEntry';
export const APPROVAL_TYPE = 'Approval';
const MATRIX_CELL_TYPE = 'MatrixCell';

const subject = (id: string) => `deployment ${id}`;

/** The deployment item, with its place in the history index and, while not final, in the state index. */
export function deploymentItem(deployment: Deployment): Item {
  const { id, projectId, environmentId, queuedAt, state } = deployment;
  return toItem(deploymentKey(id), DEPLOYMENT_TYPE, deployment, {
    ...deploymentHistoryKey(projectId, environmentId, queuedAt, id),
    ...releaseDeploymentsKey(projectId, deployment.releaseNumber, queuedAt, id),
    ...(isFinal(state) ? {} : deploymentStateKey(state, queuedAt, id)),
  });
}

/**
 * The dashboard cell write for `deployment`, on `condition` (over the cell's stored attributes).
 * The cell's version counts its writes.
 */
function cellWrite(deployment: Deployment, condition: string, values: Record<string, unknown>): TransactItem {
  const cell: MatrixCell = {
    projectId: deployment.projectId,
    environmentId: deployment.environmentId,
    deploymentId: deployment.id,
    releaseNumber: deployment.releaseNumber,
    releaseVersion: deployment.releaseVersion,
    state: deployment.state,
    queuedAt: deployment.queuedAt,
    startedAt: deployment.startedAt,
    finishedAt: deployment.finishedAt,
  };
  const update = setFields({ ...cell, type: MATRIX_CELL_TYPE }, ['#version = if_not_exists(#version, :zero) + :one']);
  return {
    Update: {
      Key: matrixKey(deployment.projectId, deployment.environmentId),
      UpdateExpression: update.UpdateExpression,
      ConditionExpression: condition,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...names('version') },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':zero': 0, ':one': 1, ...values },
    },
  };
}

const idProblems = (id: string) => new Problems().match('id', id, DEPLOYMENT_ID_PATTERN, 'letters, digits, "-" or "_", at most 64');

function validate(deployment: Pick<Deployment, 'id' | 'projectId' | 'environmentId'>): void {
  idProblems(deployment.id).slug('projectId', deployment.projectId).slug('environmentId', deployment.environmentId).throwIfAny(subject(deployment.id));
}

export class DynamoDeploymentStore implements DeploymentStore {
  constructor(private readonly table: TableClient) {}

  async create(input: New<Deployment>): Promise<Deployment> {
    validate(input);
    const deployment: Deployment = { ...input, version: 1 };
    const put: TransactItem = { Put: { Item: deploymentItem(deployment), ConditionExpression: IS_NEW } };
    // The cell shows the newest deployment by queue time; an older one arriving late leaves it alone.
    const cell = cellWrite(deployment, 'attribute_not_exists(PK) OR #queuedAt <= :newQueuedAt', { ':newQueuedAt': deployment.queuedAt });
    await this.#writeWithCell(put, cell, `creating ${subject(input.id)}`, async () => new DuplicateError(subject(input.id)));
    return deployment;
  }

  async update(deployment: Deployment): Promise<Deployment> {
    validate(deployment);
    const next: Deployment = { ...deployment, version: deployment.version + 1 };
    const allowed = allowedPreviousStates(deployment.state);
    const stateValues = Object.fromEntries(allowed.map((state, i) => [`:from${i}`, state]));
    const put: TransactItem = {
      Put: {
        Item: deploymentItem(next),
        ConditionExpression: `${AT_VERSION} AND #state IN (${Object.keys(stateValues).join(', ')})`,
        ExpressionAttributeNames: names('version', 'state'),
        ExpressionAttributeValues: { ':expected': deployment.version, ...stateValues },
      },
    };
    // Only while the cell shows this deployment: a newer one queued since owns the cell.
    const cell = cellWrite(next, '#deploymentId = :id', { ':id': deployment.id });
    await this.#writeWithCell(put, cell, `updating ${subject(deployment.id)}`, () => this.#explain(deployment, allowed));
    return next;
  }

  /**
   * Writes the deployment and its cell together; when only the cell's condition failed (it shows
   * another deployment), writes the deployment alone.
   */
  async #writeWithCell(put: TransactItem, cell: TransactItem, operation: string, explain: () => Promise<Error>): Promise<void> {
    try {
      await this.table.transact([put, cell], operation);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      if (error.failed.includes(0) || error.failed.length === 0) throw await explain();
    }
    try {
      await this.table.transact([put], operation);
    } catch (error) {
      if (error instanceof ConditionFailed) throw await explain();
      throw error;
    }
  }

  async #explain(deployment: Deployment, allowed: DeploymentState[]): Promise<Error> {
    const item = await this.table.get(deploymentKey(deployment.id), `reading ${subject(deployment.id)}`);
    if (!item) return new NotFoundError(subject(deployment.id));
    const stored = fromItem<Deployment>(item);
    if (stored.version !== deployment.version) return new VersionConflictError(subject(deployment.id), deployment.version, stored.version);
    return new InvalidStateError(subject(deployment.id), `cannot go from ${stored.state} to ${deployment.state} (allowed from: ${allowed.join(', ') || 'none'})`);
  }

  async get(id: string): Promise<DeploymentDetail> {
    idProblems(id).throwIfAny(subject(id));
    const items = await this.table.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': deploymentPartition(id) }, ConsistentRead: true }, `reading ${subject(id)}`);
    const ofType = <T>(type: string) => items.filter((item) => item.type === type).map((item) => fromItem<T>(item));
    const [deployment] = ofType<Deployment>(DEPLOYMENT_TYPE);
    if (!deployment) throw new NotFoundError(subject(id));
    return { deployment, results: ofType<StepTargetResult>(RESULT_TYPE), log: ofType<TaskLogEntry>(LOG_TYPE), approvals: ofType<Approval>(APPROVAL_TYPE) };
  }

  async putResult(result: StepTargetResult): Promise<StepTargetResult> {
    const name = `result of step ${result.stepName} on target ${result.targetId} in ${subject(result.deploymentId)}`;
    const key = resultKey(result.deploymentId, result.stepIndex, result.targetId);
    const next = { ...result, version: result.version + 1 };
    const condition =
      result.version === 0
        ? { ConditionExpression: IS_NEW }
        : { ConditionExpression: AT_VERSION, ExpressionAttributeNames: names('version'), ExpressionAttributeValues: { ':expected': result.version } };
    try {
      await this.table.put({ Item: toItem(key, RESULT_TYPE, next), ...condition }, `writing the ${name}`);
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      const stored = await this.table.get(key, `reading the ${name}`);
      throw new VersionConflictError(name, result.version, (stored?.version as number | undefined) ?? 0);
    }
    return next;
  }

  async appendLog(deploymentId: string, entries: TaskLogEntry[]): Promise<void> {
    const batch = randomBytes(LOG_BATCH_ID_BYTES).toString('hex');
    for (let start = 0; start < entries.length; start += LOG_LINES_PER_WRITE) {
      const lines = entries.slice(start, start + LOG_LINES_PER_WRITE).map((entry, i) => {
        const message = entry.message.length > MAX_LOG_MESSAGE_CHARS ? `${entry.message.slice(0, MAX_LOG_MESSAGE_CHARS)}… (cut)` : entry.message;
        return { Put: { Item: toItem(logKey(deploymentId, entry.time, batch, start + i), LOG_TYPE, { ...entry, message }) } };
      });
      try {
        await this.table.transact(
          [{ ConditionCheck: { Key: deploymentKey(deploymentId), ConditionExpression: 'attribute_exists(PK)' } }, ...lines],
          `appending to the task log of ${subject(deploymentId)}`,
        );
      } catch (error) {
        if (error instanceof ConditionFailed) throw new NotFoundError(subject(deploymentId));
        throw error;
      }
    }
  }

  async matrix(): Promise<MatrixCell[]> {
    const items = await this.table.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': MATRIX_PARTITION }, ConsistentRead: true }, 'reading the dashboard');
    return items.map((item) => {
      const { version: _, ...cell } = fromItem<MatrixCell & { version: number }>(item);
      return cell;
    });
  }

  async listByState(state: 'Queued' | 'Running' | 'WaitingForApproval', page: PageRequest = {}): Promise<Page<Deployment>> {
    const { GSI2PK } = deploymentStateKey(state, '', '');
    const out = await this.table.queryPage(
      { ...TableClient.on(INDEX.gsi2), KeyConditionExpression: 'GSI2PK = :pk', ExpressionAttributeValues: { ':pk': GSI2PK } },
      page,
      { index: INDEX.gsi2, partition: GSI2PK },
      `listing ${state} deployments`,
    );
    return { items: out.items.map((item) => fromItem<Deployment>(item)), cursor: out.cursor };
  }

  async listByProjectEnvironment(projectId: string, environmentId: string, page: PageRequest = {}): Promise<Page<Deployment>> {
    new Problems().slug('projectId', projectId).slug('environmentId', environmentId).throwIfAny('deployment history');
    const { GSI1PK } = deploymentHistoryKey(projectId, environmentId, '', '');
    const out = await this.table.queryPage(
      { ...TableClient.on(INDEX.gsi1), KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': GSI1PK }, ScanIndexForward: false },
      page,
      { index: INDEX.gsi1, partition: GSI1PK },
      `listing the deployments of project ${projectId} to ${environmentId}`,
    );
    return { items: out.items.map((item) => fromItem<Deployment>(item)), cursor: out.cursor };
  }

  async listByRelease(projectId: string, releaseNumber: number): Promise<Deployment[]> {
    new Problems().slug('projectId', projectId).throwIfAny('release deployments');
    const { GSI3PK } = releaseDeploymentsKey(projectId, releaseNumber, '', '');
    const items = await this.table.queryAll(
      { ...TableClient.on(INDEX.gsi3), KeyConditionExpression: 'GSI3PK = :pk', ExpressionAttributeValues: { ':pk': GSI3PK } },
      `listing the deployments of release ${releaseNumber} of project ${projectId}`,
    );
    return items.map((item) => fromItem<Deployment>(item));
  }
}
