/**
 * Two small stores that help a release move: the image versions seen pushed (one partition per
 * repository, newest push last in key order) and the task tokens of release lifecycles waiting
 * for a promotion (in the project partition, by release and phase; the item holds the token's
 * secret ARN, never the token).
 */
import type { ImageStore, LifecycleWait, LifecycleWaitStore, PushedImage } from '#domain/pipeline/ports.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import { imageKey, imagePartition, lifecycleWaitKey } from './keys.ts';
import { fromItem, MAX_PAGE_SIZE, type TableClient, toItem } from './table-client.ts';

const IMAGE_TYPE = 'PushedImage';
const WAIT_TYPE = 'LifecycleWait';
/** How many pushes a listing returns at most: enough to find the latest accepted tag of any channel. */
export const MAX_IMAGES_LISTED = MAX_PAGE_SIZE;
/** ECR's limits: repository names up to 256 characters, tags up to 128. */
const REPOSITORY = /^[a-z0-9][a-z0-9._/:-]{0,255}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export class DynamoImageStore implements ImageStore {
  constructor(private readonly table: TableClient) {}

  async record(image: PushedImage): Promise<void> {
    new Problems()
      .match('repository', image.repository, REPOSITORY, 'an image repository name')
      .match('tag', image.tag, TAG, 'an image tag')
      .match('digest', image.digest, DIGEST, 'a sha256 digest')
      .throwIfAny(`image push ${image.repository}`);
    // The key holds the whole push: the same event delivered twice writes the same item.
    await this.table.put({ Item: toItem(imageKey(image.repository, image.pushedAt, image.digest, image.tag), IMAGE_TYPE, image) }, `recording a push to ${image.repository}`);
  }

  async list(repository: string, limit = MAX_IMAGES_LISTED): Promise<PushedImage[]> {
    new Problems().match('repository', repository, REPOSITORY, 'an image repository name').throwIfAny('image listing');
    const page = await this.table.queryPage(
      { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': imagePartition(repository) }, ScanIndexForward: false, ConsistentRead: true },
      { limit: Math.min(limit, MAX_IMAGES_LISTED) },
      { partition: imagePartition(repository) },
      `listing the pushes to ${repository}`,
    );
    return page.items.map((item) => fromItem<PushedImage>(item));
  }
}

export class DynamoLifecycleWaitStore implements LifecycleWaitStore {
  constructor(private readonly table: TableClient) {}

  async put(wait: LifecycleWait): Promise<void> {
    new Problems().slug('projectId', wait.projectId).secretArn('tokenRef', wait.tokenRef).throwIfAny(`lifecycle wait of release ${wait.releaseNumber}`);
    await this.table.put({ Item: toItem(lifecycleWaitKey(wait.projectId, wait.releaseNumber, wait.phaseIndex), WAIT_TYPE, wait) }, `recording the lifecycle wait of release ${wait.releaseNumber}`);
  }

  async get(projectId: string, releaseNumber: number, phaseIndex: number): Promise<LifecycleWait | undefined> {
    const item = await this.table.get(lifecycleWaitKey(projectId, releaseNumber, phaseIndex), `reading the lifecycle wait of release ${releaseNumber}`);
    return item ? fromItem<LifecycleWait>(item) : undefined;
  }

  async remove(projectId: string, releaseNumber: number, phaseIndex: number): Promise<void> {
    await this.table.delete({ Key: lifecycleWaitKey(projectId, releaseNumber, phaseIndex) }, `removing the lifecycle wait of release ${releaseNumber}`);
  }
}
