/**
 * Powertools for every function, created once per container: structured logs (with the Lambda
 * context and a correlation id), X-Ray tracing (a no-op outside Lambda) and CloudWatch metrics
 * in the embedded metric format. Handlers attach them as middy middlewares (`observe`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

export const SERVICE_NAME = 'conveyor';
export const METRICS_NAMESPACE = 'Conveyor';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
// Metrics' own warnings ("No application metrics to publish") go through the logger, at its level.
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger });

/** The three Powertools middlewares, in the order their documentation gives. */
export function observe(): MiddlewareObj[] {
  // Powertools types its middlewares for any middy version; they are middy middleware objects.
  return [injectLambdaContext(logger) as MiddlewareObj, captureLambdaHandler(tracer) as MiddlewareObj, logMetrics(metrics) as MiddlewareObj];
}
