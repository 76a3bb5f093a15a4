/**
 * `conveyor sandbox --log-level`: the levels of the sandbox log, `error` by default, and a
 * usage error naming the choices for anything else.
 */
import { describe, expect, it } from 'vitest';
import { sandboxCommand } from '#cli/tree/sandbox.ts';

function parse(args: string[]): Record<string, unknown> {
  const command = sandboxCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  command.parse(args, { from: 'user' });
  return command.opts();
}

describe('conveyor sandbox --log-level', () => {
  it('defaults to error and accepts the levels of the sandbox log', () => {
    // Act
    const defaults = parse([]);
    const info = parse(['--log-level', 'info']);

    // Assess
    expect(defaults.logLevel).toBe('error');
    expect(info.logLevel).toBe('info');
  });

  it('rejects a level it does not know, naming the choices', () => {
    // Act
    const act = () => parse(['--log-level', 'loud']);

    // Assess
    expect(act).toThrow("option '--log-level <level>' argument 'loud' is invalid. Allowed choices are error, warn, info, debug.");
  });
});
