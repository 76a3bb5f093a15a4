/**
 * Deployment state transitions and the write-time checks of the stores: ids that are key parts,
 * and secret fields that must hold secret ARNs (refusals never repeat the refused value).
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/pipeline/errors.ts';
import { allowedPreviousStates, isFinal } from '#domain/pipeline/model.ts';
import { assertAccount, assertProject, assertRelease } from '#domain/pipeline/validate.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:conveyor/token-AbCdEf';

describe('deployment transitions', () => {
  it.each([
    ['Running', ['Running', 'Queued', 'WaitingForApproval']],
    ['Succeeded', ['Running']],
    ['Failed', ['Running', 'WaitingForApproval']],
    ['Queued', ['Queued']],
  ] as const)('%s may follow %j', (state, previous) => {
    expect(allowedPreviousStates(state)).toEqual(previous);
  });

  it('never leaves a final state', () => {
    for (const final of ['Succeeded', 'Failed', 'Errored', 'Cancelled'] as const) {
      expect(isFinal(final)).toBe(true);
      for (const next of ['Queued', 'Running', 'WaitingForApproval', 'Succeeded', 'Failed', 'Errored', 'Cancelled'] as const) {
        expect(allowedPreviousStates(next)).not.toContain(final);
      }
    }
  });
});

describe('write-time checks', () => {
  it('accepts an account whose secret is a secret ARN, and not the ARN of anything else', () => {
    // Act & Assess: the same account, told apart only by what its secretArn names.
    expect(() => assertAccount({ id: 'ci', kind: 'token', secretArn: SECRET_ARN })).not.toThrow();
    expect(() => assertAccount({ id: 'ci', kind: 'token', secretArn: SECRET_ARN.replace(':secretsmanager:', ':ssm:').replace(':secret:', ':parameter/') })).toThrow(
      'account ci: secretArn must be a Secrets Manager secret ARN (secret values are never stored)',
    );
  });

  it('refuses a token pasted into the secret ARN field without repeating it', () => {
    // Prepare
    const token = 'k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbQ';

    // Act
    let error: unknown;
    try {
      assertAccount({ id: 'ci', kind: 'token', secretArn: token });
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('account ci: secretArn must be a Secrets Manager secret ARN (secret values are never stored)');
  });

  it('names every bad field of a project at once', () => {
    const attempt = () =>
      assertProject({ id: 'Web App', lifecycleId: 'default', defaultChannel: 'beta', channels: [{ name: 'stable', rules: [] }], variables: [{ name: 'Key', values: [{ secretArn: 'plain' }] }] });
    expect(attempt).toThrow(/id must be a slug.*variables\[0\] \(Key\)\.values\[0\]\.secretArn must be a Secrets Manager secret ARN.*defaultChannel "beta" is not one of the project's channels/);
  });

  it('refuses release versions and digests that cannot be key parts', () => {
    const attempt = () => assertRelease({ projectId: 'web', version: '1.0#2', channel: 'stable', sourceDigest: 'latest', snapshot: { variables: [] } });
    expect(attempt).toThrow(/version must be letters.*sourceDigest must be a sha256: digest/);
  });
});
