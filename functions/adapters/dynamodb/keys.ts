/**
 * Every key the table uses, built in one place (docs/data-model.md lists them). Ids are slugs
 * (no `#`), so `#` separates key parts unambiguously; numbers are zero-padded so that text
 * order is number order.
 */
import type { DeploymentState } from '#domain/pipeline/model.ts';

/** Release numbers up to 10^10, audit sequences up to 10^12, lock tickets up to 10^10. */
const RELEASE_DIGITS = 10;
const SEQUENCE_DIGITS = 12;
const TICKET_DIGITS = 10;
const STEP_DIGITS = 4;
const CHUNK_DIGITS = 3;

const pad = (n: number, digits: number) => String(n).padStart(digits, '0');

export type Key = { PK: string; SK: string };

/** Small configuration entities: one partition per kind, one item per entity. */
export const configKey = {
  environment: (id: string): Key => ({ PK: 'ENVIRONMENTS', SK: `ENVIRONMENT#${id}` }),
  lifecycle: (id: string): Key => ({ PK: 'LIFECYCLES', SK: `LIFECYCLE#${id}` }),
  account: (id: string): Key => ({ PK: 'ACCOUNTS', SK: `ACCOUNT#${id}` }),
  target: (id: string): Key => ({ PK: 'TARGETS', SK: `TARGET#${id}` }),
  role: (principalArn: string): Key => ({ PK: 'ROLE_BINDINGS', SK: `PRINCIPAL#${principalArn}` }),
};

/** A copy of a target under each (environment, tag) it serves, so steps find targets by key. */
export const targetMembershipKey = (environmentId: string, tag: string, targetId: string): Key => ({
  PK: `TARGETS#ENV#${environmentId}`,
  SK: `TAG#${tag}#TARGET#${targetId}`,
});
export const targetMembershipPrefix = (environmentId: string, tag: string) => ({ PK: `TARGETS#ENV#${environmentId}`, prefix: `TAG#${tag}#TARGET#` });

/** The project partition holds the project, its definition chunks, its releases and their uniqueness items. */
export const projectPartition = (projectId: string) => `PROJECT#${projectId}`;
export const projectKey = (projectId: string): Key => ({ PK: projectPartition(projectId), SK: 'PROJECT' });
export const PROJECT_LIST = { gsi1pk: 'PROJECTS' };
export const definitionChunkPrefix = 'DEFINITION#';
export const definitionChunkKey = (projectId: string, index: number): Key => ({ PK: projectPartition(projectId), SK: `${definitionChunkPrefix}${pad(index, CHUNK_DIGITS)}` });

export const releasePrefix = 'RELEASE#';
export const releaseKey = (projectId: string, number: number): Key => ({ PK: projectPartition(projectId), SK: `${releasePrefix}${pad(number, RELEASE_DIGITS)}` });
export const snapshotChunkPrefix = (number: number) => `SNAPSHOT#${pad(number, RELEASE_DIGITS)}#`;
export const snapshotChunkKey = (projectId: string, number: number, index: number): Key => ({
  PK: projectPartition(projectId),
  SK: `${snapshotChunkPrefix(number)}${pad(index, CHUNK_DIGITS)}`,
});
/** One per release version: makes versions unique per project. */
export const releaseVersionKey = (projectId: string, version: string): Key => ({ PK: projectPartition(projectId), SK: `VERSION#${version}` });
/** One per source image digest: one push makes one release. */
export const releaseSourceKey = (projectId: string, digest: string): Key => ({ PK: projectPartition(projectId), SK: `SOURCE#${digest}` });

/** The deployment partition: the deployment, its results, task log and approvals, read in one query. */
export const deploymentPartition = (id: string) => `DEPLOYMENT#${id}`;
export const deploymentKey = (id: string): Key => ({ PK: deploymentPartition(id), SK: 'DEPLOYMENT' });
export const resultKey = (deploymentId: string, stepIndex: number, targetId: string): Key => ({
  PK: deploymentPartition(deploymentId),
  SK: `RESULT#${pad(stepIndex, STEP_DIGITS)}#${targetId}`,
});
export const logKey = (deploymentId: string, time: string, batch: string, index: number): Key => ({
  PK: deploymentPartition(deploymentId),
  SK: `LOG#${time}#${batch}#${pad(index, STEP_DIGITS)}`,
});
export const approvalKey = (deploymentId: string, stepIndex: number): Key => ({ PK: deploymentPartition(deploymentId), SK: `APPROVAL#${pad(stepIndex, STEP_DIGITS)}` });
/** GSI1: deployments of a project × environment, by time. */
export const deploymentHistoryKey = (projectId: string, environmentId: string, queuedAt: string, id: string) => ({
  GSI1PK: `DEPLOYMENTS#${projectId}#${environmentId}`,
  GSI1SK: `${queuedAt}#${id}`,
});
/** GSI3: the deployments of one release, across environments, by time. */
export const releaseDeploymentsKey = (projectId: string, releaseNumber: number, queuedAt: string, id: string) => ({
  GSI3PK: `RELEASE_DEPLOYMENTS#${projectId}#${pad(releaseNumber, RELEASE_DIGITS)}`,
  GSI3SK: `${queuedAt}#${id}`,
});
/** GSI2: deployments by non-final state (sparse: a finished deployment leaves the index). */
export const deploymentStateKey = (state: DeploymentState, queuedAt: string, id: string) => ({ GSI2PK: `DEPLOYMENT_STATE#${state}`, GSI2SK: `${queuedAt}#${id}` });

/** A release lifecycle waiting for a promotion at one phase: in the project partition, by release and phase. */
export const lifecycleWaitKey = (projectId: string, releaseNumber: number, phaseIndex: number): Key => ({
  PK: projectPartition(projectId),
  SK: `WAIT#${pad(releaseNumber, RELEASE_DIGITS)}#${pad(phaseIndex, STEP_DIGITS)}`,
});

/** Pushed image versions: one partition per repository, newest last by push time. */
export const imagePartition = (repository: string) => `IMAGES#${repository}`;
export const imageKey = (repository: string, pushedAt: string, digest: string, tag: string): Key => ({ PK: imagePartition(repository), SK: `PUSH#${pushedAt}#${digest}#${tag}` });

/** The dashboard: one partition, one cell per project × environment. */
export const MATRIX_PARTITION = 'MATRIX';
export const matrixKey = (projectId: string, environmentId: string): Key => ({ PK: MATRIX_PARTITION, SK: `CELL#${projectId}#${environmentId}` });

/** The audit chain: its head and its events in one partition, events in sequence order. */
export const AUDIT_PARTITION = 'AUDIT';
export const auditHeadKey: Key = { PK: AUDIT_PARTITION, SK: 'HEAD' };
export const auditEventPrefix = 'EVENT#';
export const auditEventKey = (sequence: number): Key => ({ PK: AUDIT_PARTITION, SK: `${auditEventPrefix}${pad(sequence, SEQUENCE_DIGITS)}` });
export const AUDIT_BY_TIME = 'AUDIT_BY_TIME';
export const auditSubjectPartition = (subject: string) => `SUBJECT#${subject}`;
/** GSI1: every event by time; GSI2: events of one subject by time. Sequence breaks ties. */
export const auditIndexKeys = (time: string, sequence: number, subject: string) => ({
  GSI1PK: AUDIT_BY_TIME,
  GSI1SK: `${time}#${pad(sequence, SEQUENCE_DIGITS)}`,
  GSI2PK: auditSubjectPartition(subject),
  GSI2SK: `${time}#${pad(sequence, SEQUENCE_DIGITS)}`,
});

/** A lock and its queue share a partition, read together in one query. */
export const lockPartition = (projectId: string, environmentId: string) => `LOCK#${projectId}#${environmentId}`;
export const lockKey = (projectId: string, environmentId: string): Key => ({ PK: lockPartition(projectId, environmentId), SK: 'LOCK' });
export const queuePrefix = 'QUEUE#';
export const queueKey = (projectId: string, environmentId: string, ticket: number): Key => ({
  PK: lockPartition(projectId, environmentId),
  SK: `${queuePrefix}${pad(ticket, TICKET_DIGITS)}`,
});
