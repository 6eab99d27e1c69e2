import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash, fingerprint, redact, rememberSecret } from '../../src/secrets/known.js';

describe('value fingerprints', () => {
  it('GIVEN a value THEN its fingerprint is short, stable, and not its (guessable) bare sha256', () => {
    const f = fingerprint('hunter2');
    expect(f).toMatch(/^scrypt:[0-9a-f]{10}$/);
    // The same on every machine and every call (saved plans are compared by it): a pinned vector …
    expect(f).toBe('scrypt:a38b71d468');
    expect(fingerprint('hunter2')).toBe(f);
    // … different for different values, and not the fast hash a guesser would try first.
    expect(fingerprint('hunter3')).not.toBe(f);
    expect(f.slice(7)).not.toBe(createHash('sha256').update('hunter2').digest('hex').slice(0, 10));
  });

  it('GIVEN a resolved secret echoed in an error THEN redact puts its fingerprint in its place', () => {
    rememberSecret('s3cr3t-value');
    expect(redact('env {"API_KEY":"s3cr3t-value"} refused')).toBe(`env {"API_KEY":"${fingerprint('s3cr3t-value')}"} refused`);
  });

  it('GIVEN a secret holding " and \\, stored with a trailing newline, inside a remembered JSON secret THEN redact finds it raw, trimmed, JSON-escaped and URL-encoded, and the whole JSON secret first', () => {
    const pw = 'Gen"pw\\x9\n';
    const whole = JSON.stringify({ user: 'app', password: pw });
    rememberSecret(pw);
    rememberSecret(whole);
    const fp = fingerprint(pw);
    expect(redact(`log ${JSON.stringify({ token: pw })}`)).toBe(`log {"token":"${fp}"}`);
    expect(redact(`body ${JSON.stringify(JSON.stringify({ token: pw }))}`)).toBe(`body "{\\"token\\":\\"${fp}\\"}"`);
    expect(redact(`url ${pw.trim()}!`)).toBe(`url ${fp}!`);
    expect(redact(`secret ${whole}`)).toBe(`secret ${fingerprint(whole)}`);
    // AND a base64 token in a logged request URL
    const token = 'dG9r+ZW4/x=';
    rememberSecret(token);
    expect(redact(`GET https://api.example/v1?key=${encodeURIComponent(token)}&x=1`)).toBe(`GET https://api.example/v1?key=${fingerprint(token)}&x=1`);
  });

  it('GIVEN text holding no secret THEN contentHash is the plain short sha256', () => {
    expect(contentHash('{}')).toBe(`sha256:${createHash('sha256').update('{}').digest('hex').slice(0, 10)}`);
  });
});
