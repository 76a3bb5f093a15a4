import { describe, expect, it } from 'vitest';
import { BasicUsers, parseBasicAuthorization } from '../../../../local/sandbox/auth/basic.ts';
import { AuthConfigError } from '../../../../local/sandbox/auth/errors.ts';

const users = new BasicUsers([{ username: 'ops', password: 'correct horse', groups: ['ops'] }]);

describe('BasicUsers', () => {
  it('accepts the right password', async () => {
    expect(await users.verify('ops', 'correct horse')).toEqual({ username: 'ops', groups: ['ops'] });
  });

  it('rejects a wrong password or an unknown user', async () => {
    expect(await users.verify('ops', 'correct horse!')).toBeUndefined();
    expect(await users.verify('ops', '')).toBeUndefined();
    expect(await users.verify('nobody', 'correct horse')).toBeUndefined();
  });

  it('does not keep the password in clear', () => {
    expect(JSON.stringify([...(users as any).users.values()])).not.toContain('correct horse');
  });

  it('refuses duplicate or empty user names', () => {
    expect(
      () =>
        new BasicUsers([
          { username: 'a', password: 'x' },
          { username: 'a', password: 'y' },
        ]),
    ).toThrow(AuthConfigError);
    expect(() => new BasicUsers([{ username: '', password: 'x' }])).toThrow(AuthConfigError);
  });
});

describe('parseBasicAuthorization', () => {
  it('decodes user:password, keeping colons in the password', () => {
    const header = `Basic ${Buffer.from('ops:a:b').toString('base64')}`;
    expect(parseBasicAuthorization(header)).toEqual({ username: 'ops', password: 'a:b' });
    expect(parseBasicAuthorization(`basic ${Buffer.from('u:p').toString('base64')}`)).toEqual({ username: 'u', password: 'p' });
  });

  it('ignores other schemes and malformed values', () => {
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
