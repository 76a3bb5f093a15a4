/**
 * The HTTP API: one route per catalog route, every one behind IAM authorization (callers sign
 * with SigV4; the handlers read the caller's ARN from the authorizer context), each integrated
 * with the Lambda that serves it (payload format 2.0). The one `$default` stage deploys itself,
 * logs every request as JSON (who called what, the status, the integration's error) and is
 * throttled so that one runaway client cannot use up the account's Lambda concurrency.
 */
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteSpec } from '#functions/catalog.ts';
import { constructId } from '../paths.ts';

/**
 * Steady requests per second and burst for the whole stage. Release managers and the CLI make a
 * few requests a minute; these leave headroom for the dashboard and scripts.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** Access logs are kept a year: they answer "who called what, when" next to the audit chain. */
export const API_LOG_RETENTION = RetentionDays.ONE_YEAR;

/** One JSON line per request ($context variables of HTTP APIs). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

export type PipelineApiProps = {
  routes: readonly RouteSpec[];
  /** The catalog's functions by name: the routes' integrations. */
  functionNamed: (name: string, usedBy: string) => lambda.IFunction;
};

export class PipelineApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, { routes, functionNamed }: PipelineApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { description: 'Conveyor HTTP API (IAM authorization on every route)', createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: API_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...API_THROTTLE },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)) },
    });

    // IAM on each route itself, not only as the API's default, so no route can be added without it.
    const authorizer = new HttpIamAuthorizer();
    const integrations = new Map<string, HttpLambdaIntegration>();
    const keys = new Set<string>();
    for (const route of routes) {
      const routeKey = `${route.method} ${route.path}`;
      if (keys.has(routeKey)) throw new Error(`the catalog declares route ${routeKey} twice`);
      keys.add(routeKey);
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${constructId(route.function)}Integration`, functionNamed(route.function, `route ${routeKey}`));
        integrations.set(route.function, integration);
      }
      new HttpRoute(this, constructId(route.operationId), { httpApi: this.api, routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]), integration, authorizer });
    }
    new CfnOutput(this, 'Url', { description: 'Base URL of the Conveyor API (SigV4, service execute-api)', value: this.stage.url });
  }
}
