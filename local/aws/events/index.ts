/**
 * The local EventBridge of the embedded default: PutEvents recorded and delivered to the
 * catalog's rule targets, and the ECR image push event. See local/aws/events/server.ts.
 */

export { busOfRule, DELIVERY_ATTEMPTS, type Delivery } from './deliveries.ts';
export { ECR_IMAGE_ACTION, ECR_SOURCE, type ImagePush, imagePushEvent, publishImagePush, putEventsEntry } from './ecr.ts';
export { DEFAULT_BUS, type EventEnvelope } from './envelope.ts';
export { checkPattern, type EventPattern, InvalidPatternError, matches } from './pattern.ts';
export { DEFAULT_PIPELINE_BUS, type EventsOptions, type EventsService, type RecordedEvent, startEvents } from './server.ts';
