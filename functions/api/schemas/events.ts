/**
 * Events Conveyor takes in. The documented ECR "ECR Image Action" event
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html):
 *
 *   { "version": "0", "id": "...", "detail-type": "ECR Image Action", "source": "aws.ecr",
 *     "account": "123456789012", "time": "2019-11-16T01:54:34Z", "region": "us-west-2",
 *     "resources": [], "detail": { "result": "SUCCESS", "repository-name": "ubuntu",
 *     "image-digest": "sha256:...", "action-type": "PUSH", "image-tag": "latest" } }
 *
 * Deletions and failed pushes have the same shape and pass the schema (they are ignored by the
 * use case, not refused); a successful push must carry its digest.
 */
import { z } from 'zod';
import { DIGEST_PATTERN } from '#domain/pipeline/validate.ts';

export const ECR_SOURCE = 'aws.ecr';
export const ECR_IMAGE_ACTION = 'ECR Image Action';

/** ECR repository names: lower-case components separated by `/`, 2 to 256 characters. */
const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Docker tags: letters, digits, `_`, `.`, `-`, at most 128, not starting with `.` or `-`. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** Labels such as PUSH, DELETE, SUCCESS, FAILURE: short words. */
const LABEL = /^[A-Z_]{1,32}$/;

export const ecrImageActionEvent = z
  .object({
    version: z.string().max(16).optional(),
    id: z.string().min(1).max(128),
    'detail-type': z.literal(ECR_IMAGE_ACTION),
    source: z.literal(ECR_SOURCE),
    account: z.string().regex(ACCOUNT, 'must be a 12-digit AWS account id'),
    time: z.iso.datetime({ offset: true }),
    region: z.string().regex(REGION, 'must be an AWS region'),
    resources: z.array(z.string()).optional(),
    detail: z.object({
      'action-type': z.string().regex(LABEL, 'must be an action such as PUSH or DELETE'),
      result: z.string().regex(LABEL, 'must be SUCCESS or FAILURE'),
      'repository-name': z.string().regex(REPOSITORY_NAME, 'must be an ECR repository name'),
      'image-digest': z.string().regex(DIGEST_PATTERN, 'must be a sha256 digest').optional(),
      'image-tag': z.string().regex(IMAGE_TAG, 'must be an image tag').optional(),
    }),
  })
  .refine((event) => !(event.detail['action-type'] === 'PUSH' && event.detail.result === 'SUCCESS') || event.detail['image-digest'] !== undefined, {
    message: 'a successful push carries its image-digest',
    path: ['detail', 'image-digest'],
  });

export type EcrImageActionEvent = z.infer<typeof ecrImageActionEvent>;
