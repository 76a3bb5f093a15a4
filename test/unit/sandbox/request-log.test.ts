import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type LogSink, logServerError, SandboxLogger } from '../../../local/sandbox/http/request-log.ts';

/** A sink that keeps what was written. */
function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line), close: async () => {} };
}

const CLOCK = () => Date.parse('2025-06-01T12:00:00Z');
const request = { method: 'POST', url: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl&token=abc' } as IncomingMessage;

describe('SandboxLogger', () => {
  it('writes the levels at and above its own, with logfmt fields', () => {
    // Prepare
    const sink = memorySink();
    const logger = new SandboxLogger('warn', sink, CLOCK);

    // Act
    logger.info('request', { method: 'GET' });
    logger.warn('authentication failed', { reason: 'invalid bearer token' });
    logger.error('boom');

    // Assess
    expect(sink.lines).toEqual(['2025-06-01T12:00:00.000Z WARN authentication failed reason="invalid bearer token"\n', '2025-06-01T12:00:00.000Z ERROR boom\n']);
  });
});

describe('logServerError', () => {
  it("logs a server error's stack on indented lines, with the path but not the query string", () => {
    // Prepare
    const sink = memorySink();
    const logger = new SandboxLogger('error', sink, CLOCK);
    const error = new TypeError("Cannot read properties of undefined (reading 'spec')");

    // Act
    logServerError(logger, request, { start: 0, user: 'sandbox-admin' }, error, 500);

    // Assess
    const [first, ...stack] = sink.lines[0]!.trimEnd().split('\n');
    expect(first).toBe('2025-06-01T12:00:00.000Z ERROR server error method=POST path=/api/v1/namespaces/default/configmaps user=sandbox-admin status=500');
    expect(stack[0]).toBe("    TypeError: Cannot read properties of undefined (reading 'spec')");
    expect(stack.slice(1).every((l) => l.startsWith('    at '))).toBe(true);
    expect(sink.lines[0]).not.toContain('token=abc');
  });

  it('logs an injected fault as a warning, so the default level stays quiet', () => {
    // Prepare
    const sink = memorySink();
    const logger = new SandboxLogger('error', sink, CLOCK);

    // Act
    logServerError(logger, request, { start: 0, injected: true }, new Error('injected fault'), 503);

    // Assess
    expect(sink.lines).toEqual([]);
  });
});
