/**
 * One catalog function as a Lambda, with the defaults every Conveyor function shares, kept in
 * this one place: Node 24 on arm64, an ESM bundle made by the local esbuild (never Docker) with
 * source maps, X-Ray active tracing, Powertools' settings, and a log group of its own with a
 * retention. The function gets an explicit role whose only permission at birth is writing to
 * that log group (no AWSLambdaBasicExecutionRole managed policy, which grants every log group);
 * everything else comes from the grants the catalog's `access` asks for.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, type ILayerVersion, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '#functions/catalog.ts';
import { LOCK_FILE, PROJECT_ROOT } from '../paths.ts';
import { acknowledge, XRAY_WILDCARD_REASON } from './nag.ts';

/**
 * What a catalog entry leaves unsaid (see FunctionSpec). No reserved concurrency: it would carve
 * capacity out of the account's pool for every function, and the load is already bounded (the
 * API stage is throttled, the state machines' Maps cap their fan-out).
 */
export const FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 30, architecture: 'arm64', handler: 'handler' } as const;

/** Lambda's Node.js 24 runtime: the project's Node version (docs/architecture.md, toolchain). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/** How long function logs are kept; the audit trail itself lives in the table, not in logs. */
export const FUNCTION_LOG_RETENTION = RetentionDays.THREE_MONTHS;

/**
 * Powertools settings (functions/runtime/observability.ts names the same service and
 * namespace; a test keeps them equal). Events are never logged and handler responses never
 * go to X-Ray: HTTP bodies can carry account credentials on their way to Secrets Manager.
 */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'conveyor',
  POWERTOOLS_METRICS_NAMESPACE: 'Conveyor',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  // Stack traces point into the TypeScript sources through the bundle's source map.
  NODE_OPTIONS: '--enable-source-maps',
} as const;

/**
 * Some bundled dependencies are CommonJS and `require` Node's built-ins (the X-Ray SDK under
 * Powertools' tracer); an ESM bundle has no `require` unless it makes one.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The kubectl layer's binaries are x86-64 only, so a function that uses it must run there. */
const KUBECTL_ARCHITECTURE = 'x86_64';

/**
 * Where the kubectl layer's binaries land (a layer unpacks under /opt), in the variables the
 * script runner reads (functions/handlers/tasks/deps.ts): set with the layer, never without it.
 */
export const KUBECTL_LAYER_ENVIRONMENT = { KUBECTL_PATH: '/opt/kubectl/kubectl', HELM_DIRECTORY: '/opt/helm' } as const;

export type CatalogFunctionProps = {
  spec: FunctionSpec;
  /** The kubectl/helm layer, passed when the spec asks for it. */
  kubectlLayer?: ILayerVersion;
};

export class CatalogFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, { spec, kubectlLayer }: CatalogFunctionProps) {
    super(scope, id);
    this.spec = spec;
    const entry = join(PROJECT_ROOT, spec.entry);
    if (!existsSync(entry)) throw new Error(`catalog function "${spec.name}": its entry file ${spec.entry} does not exist`);
    const architecture = spec.architecture ?? FUNCTION_DEFAULTS.architecture;
    if (spec.kubectlLayer && architecture !== KUBECTL_ARCHITECTURE) {
      throw new Error(`catalog function "${spec.name}": the kubectl layer ships ${KUBECTL_ARCHITECTURE} binaries; set architecture: '${KUBECTL_ARCHITECTURE}'`);
    }
    if (spec.kubectlLayer && !kubectlLayer) throw new Error(`catalog function "${spec.name}" asks for the kubectl layer but none was given`);

    // Log groups outlive a deleted stack (the default): logs are evidence when something went wrong.
    this.logGroup = new LogGroup(this, 'Logs', { retention: FUNCTION_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Conveyor ${spec.name}: only what the catalog grants it`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: spec.handler ?? FUNCTION_DEFAULTS.handler,
      description: spec.description,
      runtime: FUNCTION_RUNTIME,
      architecture: architecture === KUBECTL_ARCHITECTURE ? Architecture.X86_64 : Architecture.ARM_64,
      memorySize: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: { ...POWERTOOLS_ENVIRONMENT, ...(spec.kubectlLayer ? KUBECTL_LAYER_ENVIRONMENT : {}) },
      layers: spec.kubectlLayer && kubectlLayer ? [kubectlLayer] : [],
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The SDK is bundled too: the versions package-lock.json pins, not whatever the runtime ships.
        externalModules: [],
        minify: true,
        // Error classes set `this.name` themselves (the ASL matches on it); names kept for stack traces.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });
    acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', XRAY_WILDCARD_REASON);
  }
}
