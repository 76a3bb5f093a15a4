/**
 * EventBridge rule on ECR "ECR Image Action" (PUSH, SUCCESS) → releases of the projects that
 * use the pushed repository (functions/app/images.ts). A deletion, a failed push or an untagged
 * push is ignored with a log line; a malformed event is logged and answered, not retried
 * (image-event.ts); a store or service failure fails the invocation, and EventBridge's retry is
 * safe: releases are idempotent on the image digest.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AppDeps } from '#functions/app/context.ts';
import { type ImagePushOutcome, onImagePush, pipelineCaller } from '#functions/app/images.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { optionalEnv } from '#functions/runtime/env.ts';
import { logger, metrics, observe } from '#functions/runtime/observability.ts';
import { type ImageEvent, MALFORMED_EVENTS_METRIC, readImageEvent } from './image-event.ts';

/** The role the pipeline acts as when PIPELINE_ACTOR_ARN is not set: this name, in the event's account. */
export const DEFAULT_PIPELINE_ROLE = 'conveyor-pipeline';

export type ImagePushResult = Exclude<ImageEvent, { push: unknown }> | ({ outcome: 'handled' } & ImagePushOutcome);

/** Who the pipeline's own actions are recorded as: PIPELINE_ACTOR_ARN (read once, at cold start), else DEFAULT_PIPELINE_ROLE. */
export function pipelineActor(configured = optionalEnv('PIPELINE_ACTOR_ARN', '')): (account: string) => string {
  return (account) => configured || `arn:aws:iam::${account}:role/${DEFAULT_PIPELINE_ROLE}`;
}

export function imagePushHandler(deps: () => AppDeps, actorArn: (account: string) => string) {
  let built: AppDeps | undefined;
  return middy<unknown, ImagePushResult, Error, Context>()
    .use(observe())
    .handler(async (raw) => {
      const read = readImageEvent(raw);
      if ('outcome' in read) {
        if (read.outcome === 'malformed') metrics.addMetric(MALFORMED_EVENTS_METRIC, MetricUnit.Count, 1);
        logger[read.outcome === 'malformed' ? 'error' : 'info'](`image event ${read.outcome}`, { ...read });
        return read;
      }
      built ??= deps();
      const outcome = await onImagePush(built, pipelineCaller(actorArn(read.account), read.eventId), read.push);
      logger.info('image push handled', { eventId: read.eventId, ...outcome });
      return { outcome: 'handled', ...outcome };
    });
}

export const handler = imagePushHandler(() => productionDeps(['table', 'workflows', 'events']), pipelineActor());
