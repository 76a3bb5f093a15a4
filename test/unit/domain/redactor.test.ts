/**
 * The Redactor: every filter form of a secret, in any case, credential shapes, URL
 * credentials, plain data and errors (fields, causes, identity kept).
 */
import { describe, expect, it } from 'vitest';
import { ClusterUnavailableError, InvalidManifestError } from '#domain/errors.ts';
import { filterForms, Redactor } from '#domain/redactor.ts';

const SECRET = ' Sup3r-Secret"Value ';

describe('Redactor', () => {
  it.each([
    ['as given', SECRET],
    ['trimmed', SECRET.trim()],
    ['lower-cased', SECRET.toLowerCase()],
    ['upper-cased and trimmed', SECRET.trim().toUpperCase()],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64 of the trimmed value', Buffer.from(SECRET.trim()).toString('base64')],
    ['base64 twice', Buffer.from(Buffer.from(SECRET).toString('base64')).toString('base64')],
    ['JSON-escaped', JSON.stringify(SECRET).slice(1, -1)],
    ['as a YAML single-quoted scalar escapes it', SECRET.replaceAll("'", "''")],
    ['in another case than any filter makes', 'sUP3R-sECRET"vALUE'],
  ])('replaces the value %s inside longer text', (_name, form) => {
    // Prepare
    const redactor = new Redactor([SECRET], { withForms: true });

    // Act
    const out = redactor.text(`pod web-1: Back-off pulling image "registry/${form}/app"`);

    // Assess
    expect(out).not.toContain(form.trim());
    expect(out).toContain('***');
    expect(out.startsWith('pod web-1: Back-off pulling image "registry/')).toBe(true);
  });

  it('covers filter chains three deep', () => {
    const forms = filterForms('abc');
    expect(forms.has(Buffer.from(Buffer.from('ABC').toString('base64')).toString('base64'))).toBe(true);
    expect(forms.size).toBeGreaterThan(10);
  });

  it('redacts credential shapes whatever their value, and the user:password of URLs', () => {
    // Prepare
    const redactor = new Redactor();

    // Act
    const out = redactor.text('GET https://admin:hunter2@db.example:5432/x with Authorization: Bearer abc.def-123 and eyJhbGciOi.eyJzdWIi.c2ln');

    // Assess
    expect(out).toBe('GET https://***@db.example:5432/x with Authorization: Bearer *** and ***');
  });

  it('leaves values shorter than the minimum alone in free text', () => {
    expect(new Redactor(['ab'], { withForms: true }).text('a cab and a tab')).toBe('a cab and a tab');
  });

  it('redacts plain data deeply, keys included', () => {
    const redactor = new Redactor(['s3cr3t-value']);
    expect(redactor.deep({ list: ['x s3cr3t-value y', 3], 's3cr3t-value': { n: null } })).toEqual({ list: ['x *** y', 3], '***': { n: null } });
  });

  it('redacts an error in place: message, stack, fields and causes, keeping its class and name', () => {
    // Prepare
    const redactor = new Redactor(['s3cr3t-value']);
    const cause = new ClusterUnavailableError('server said s3cr3t-value');
    const error = new InvalidManifestError([{ message: 'bad value "s3cr3t-value"' }], { cause });

    // Act
    const out = redactor.error(error);

    // Assess
    expect(out).toBe(error);
    expect(out).toBeInstanceOf(InvalidManifestError);
    expect(out.name).toBe('InvalidManifestError');
    expect(out.category).toBe('input');
    expect(JSON.stringify({ message: out.message, stack: out.stack, problems: out.problems, cause: cause.message, causeStack: cause.stack })).not.toContain('s3cr3t-value');
    expect(out.problems[0]!.message).toBe('bad value "***"');
  });
});
