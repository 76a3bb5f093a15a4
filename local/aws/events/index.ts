/**
 * The local EventBridge of the embedded default: PutEvents recorded and delivered to the
 * catalog's rule targets, and the ECR image push event. See local/aws/events/server.ts.
 */
export { startEvents, DEFAULT_PIPELINE_BUS, type EventsOptions, type EventsService, type RecordedEvent } from './server.ts';
export { imagePushEvent, putEventsEntry, publishImagePush, ECR_IMAGE_ACTION, ECR_SOURCE, type ImagePush } from './ecr.ts';
export { DEFAULT_BUS, type EventEnvelope } from './envelope.ts';
export { busOfRule, DELIVERY_ATTEMPTS, type Delivery } from './deliveries.ts';
export { checkPattern, matches, InvalidPatternError, type EventPattern } from './pattern.ts';
