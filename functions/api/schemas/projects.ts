/**
 * Schemas of `/projects`: the deployment process (steps by kind), variables (sensitive values
 * write-only) and channels. What needs the whole definition or the stored configuration (step
 * names unique, manifests parse, references exist) is checked by the use case
 * (functions/app/project-definition.ts); these schemas check shape and bounds.
 */
import { z } from 'zod';
import { MAX_TAG_PATTERN_LENGTH } from '#domain/pipeline/channels.ts';
import { MAX_SNAPSHOT_BYTES } from '#domain/pipeline/snapshot.ts';
import { SECRET_VALUE_MAX_BYTES } from '#domain/secrets.ts';
import { displayName, slug, text } from './common.ts';
import { entityVersion, slugList } from './config-common.ts';

export const MAX_STEPS = 100;
export const MAX_MANIFEST_FILES = 50;
export const MAX_VARIABLES = 500;
export const MAX_VARIABLE_VALUES = 50;
export const MAX_CHANNELS = 20;
export const MAX_CHANNEL_RULES = 50;
const MAX_SCOPE_ENTRIES = 50;
const MAX_TARGET_TAGS = 20;
const MAX_DESCRIPTION_LENGTH = 2000;
const MAX_INSTRUCTIONS_LENGTH = 4000;
/** A kubectl script is a page of shell, not a program; 64 KiB is generous. */
const MAX_SCRIPT_LENGTH = 64 * 1024;
const MAX_FILE_NAME_LENGTH = 255;
const MAX_VARIABLE_NAME_LENGTH = 100;
/** Image repository with its registry: Docker allows 255 characters. */
const MAX_REPOSITORY_LENGTH = 255;
const MAX_VERSION_RANGE_LENGTH = 200;
/** Step timeouts: long enough for a slow rollout, short enough that a stuck one ends the same day. */
export const STEP_TIMEOUT_SECONDS = { min: 10, max: 6 * 3600 } as const;
/** An approval may wait for a person over a weekend and more. */
export const APPROVAL_TIMEOUT_SECONDS = { min: 60, max: 14 * 24 * 3600 } as const;
/** Bodies with manifests are large: the process may be MAX_SNAPSHOT_BYTES; Lambda takes 6 MB. */
export const MAX_PROJECT_BODY_BYTES = MAX_SNAPSHOT_BYTES + 512 * 1024;

/** Names as `#{Name}` references write them. */
export const VARIABLE_NAME = /^[A-Za-z0-9._-]+$/;
/** A relative path of letters, digits, ".", "_", "-" segments, no ".." segment, ending in .yaml, .yml or .json. */
const FILE_NAME = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\.(?:ya?ml|json)$/i;
/** A repository without tag or digest: lower-case path segments, an optional registry host with port. */
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

const stepTimeout = z.number().int().min(STEP_TIMEOUT_SECONDS.min).max(STEP_TIMEOUT_SECONDS.max).describe('seconds one target may take, from its first request to a final health state');
const stepBase = {
  name: displayName.describe('unique within the process'),
  environments: slugList(1, MAX_SCOPE_ENTRIES).optional().describe('environment ids the step runs in; all when absent'),
};
const targetTags = slugList(1, MAX_TARGET_TAGS).describe('the step runs on the targets of the environment that carry one of these tags');

export const manifestFile = z.strictObject({
  name: z.string().max(MAX_FILE_NAME_LENGTH).regex(FILE_NAME, 'must be a relative file name ending in .yaml, .yml or .json (no "..")'),
  content: z.string().max(MAX_SNAPSHOT_BYTES).describe('YAML (documents separated by ---) or JSON, with #{Variable} references'),
});

export const step = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('apply-manifests'), ...stepBase, targetTags, timeoutSeconds: stepTimeout, manifests: z.array(manifestFile).min(1).max(MAX_MANIFEST_FILES) }),
    z.strictObject({
      kind: z.literal('deploy-containers'),
      ...stepBase,
      targetTags,
      timeoutSeconds: stepTimeout,
      spec: z
        .record(z.string(), z.unknown())
        .describe('DeployContainers spec: name, replicas, strategy, containers, configMap, secret (items are #{Variable} references to sensitive variables), service, ingress'),
    }),
    z.strictObject({ kind: z.literal('kubectl-script'), ...stepBase, targetTags, timeoutSeconds: stepTimeout, script: z.string().min(1).max(MAX_SCRIPT_LENGTH) }),
    z.strictObject({
      kind: z.literal('approval'),
      ...stepBase,
      targetTags: slugList(0, MAX_TARGET_TAGS).default([]).describe('unused by approvals'),
      timeoutSeconds: z.number().int().min(APPROVAL_TIMEOUT_SECONDS.min).max(APPROVAL_TIMEOUT_SECONDS.max),
      instructions: text(MAX_INSTRUCTIONS_LENGTH).pipe(z.string().min(1)).describe('what the approver is asked to check'),
    }),
  ])
  .meta({ id: 'Step' });

export const variableScope = z
  .strictObject({
    environments: slugList(1, MAX_SCOPE_ENTRIES).optional(),
    targetTags: slugList(1, MAX_SCOPE_ENTRIES).optional(),
    targets: slugList(1, MAX_SCOPE_ENTRIES).optional(),
    steps: z.array(displayName).min(1).max(MAX_SCOPE_ENTRIES).optional(),
  })
  .meta({ id: 'VariableScope', description: 'where a value applies; absent lists mean any' });

const variableValueInput = z
  .strictObject({
    value: z.string().max(SECRET_VALUE_MAX_BYTES).optional().describe('the value; write-only when sensitive'),
    sensitive: z.boolean().optional().describe('kept in the secret store and masked in every log; without value, the stored value of this variable and scope is kept'),
    scope: variableScope.optional(),
  })
  .refine((value) => value.value !== undefined || value.sensitive === true, 'value is required (only a sensitive value may leave it out, to keep the stored one)');

export const variableInput = z
  .strictObject({
    name: z.string().min(1).max(MAX_VARIABLE_NAME_LENGTH).regex(VARIABLE_NAME, 'must be letters, digits, ".", "_" or "-"'),
    values: z.array(variableValueInput).min(1).max(MAX_VARIABLE_VALUES),
  })
  .meta({ id: 'VariableInput' });

export const channel = z
  .strictObject({
    name: slug,
    lifecycleId: slug.optional().describe("lifecycle of this channel's releases; the project's when absent"),
    rules: z
      .array(
        z.strictObject({
          repository: z.string().max(MAX_REPOSITORY_LENGTH).regex(REPOSITORY, 'must be an image repository without tag or digest'),
          versionRange: z.string().min(1).max(MAX_VERSION_RANGE_LENGTH).optional().describe('npm-style semver range the tag must satisfy'),
          tagPattern: z.string().min(1).max(MAX_TAG_PATTERN_LENGTH).optional().describe('regular expression the whole tag must match'),
        }),
      )
      .max(MAX_CHANNEL_RULES)
      .default([]),
  })
  .meta({ id: 'Channel' });

const fields = {
  name: displayName,
  description: text(MAX_DESCRIPTION_LENGTH).optional(),
  lifecycleId: slug,
  process: z.array(step).max(MAX_STEPS).default([]),
  variables: z.array(variableInput).max(MAX_VARIABLES).default([]),
  channels: z.array(channel).min(1).max(MAX_CHANNELS).optional().describe('one channel "default" without rules when absent'),
  defaultChannel: slug.optional().describe('the first channel when absent'),
};

export const projectPath = z.object({ projectId: slug });
export const createProjectBody = z.strictObject({ id: slug, ...fields }).meta({ id: 'CreateProject' });
export const updateProjectBody = z.strictObject({ ...fields, version: entityVersion }).meta({ id: 'UpdateProject' });

const variableValueView = z.union([
  z.object({ value: z.string(), sensitive: z.literal(false), scope: variableScope.optional() }),
  z.object({ sensitive: z.literal(true), scope: variableScope.optional() }).describe('a sensitive value: write-only, never shown'),
]);

const summaryFields = {
  id: slug,
  name: z.string(),
  description: z.string().optional(),
  lifecycleId: z.string(),
  channels: z.array(channel),
  defaultChannel: z.string(),
  releaseCounter: z.number().int().describe('number of the latest release'),
  version: z.number().int(),
};

export const projectSummary = z.object(summaryFields).meta({ id: 'ProjectSummary' });
export const project = z.object({ ...summaryFields, process: z.array(step), variables: z.array(z.object({ name: z.string(), values: z.array(variableValueView) })) }).meta({ id: 'Project' });
export const projectList = z.object({ items: z.array(projectSummary) }).meta({ id: 'ProjectList' });
