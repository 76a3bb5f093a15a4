/**
 * Imported first by the pipeline harness, before anything loads functions/runtime/observability.ts:
 * Powertools reads these when its logger and metrics are made. Metrics are not printed (the
 * handlers still record them), and logs only when CONVEYOR_TEST_LOGS asks for them.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.CONVEYOR_TEST_LOGS ? 'DEBUG' : 'SILENT';

export {};
