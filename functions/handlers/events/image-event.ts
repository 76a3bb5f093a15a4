/**
 * Validate at the edge, for the ECR event: the documented "ECR Image Action" schema
 * (functions/api/schemas/events.ts), then what the event means (functions/app/images.ts): a push
 * that makes releases, an event to ignore (a deletion, a failed or untagged push), or a
 * malformed event. A malformed event is answered, not thrown: EventBridge invokes Lambda
 * asynchronously and retries a failed invocation with the very same event, which would fail
 * the very same way; the error log line (fields and rules, never values) and the
 * MalformedEvents metric are what an operator sees.
 */
import { ecrImageActionEvent } from '#functions/api/schemas/events.ts';
import { type ImagePush, imagePushOf } from '#functions/app/images.ts';
import { describeIssues } from '#functions/middleware/validate.ts';

export const MALFORMED_EVENTS_METRIC = 'MalformedEvents';

export type ImageEvent = { push: ImagePush; eventId: string; account: string } | { outcome: 'ignored'; eventId: string; reason: string } | { outcome: 'malformed'; problems: string[] };

export function readImageEvent(raw: unknown): ImageEvent {
  const parsed = ecrImageActionEvent.safeParse(raw);
  if (!parsed.success) return { outcome: 'malformed', problems: describeIssues('event', parsed.error.issues as Parameters<typeof describeIssues>[1]) };
  const event = parsed.data;
  const found = imagePushOf(event);
  if ('ignored' in found) return { outcome: 'ignored', eventId: event.id, reason: found.ignored };
  return { push: found.push, eventId: event.id, account: event.account };
}
