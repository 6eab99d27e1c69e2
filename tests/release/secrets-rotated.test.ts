import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/secrets/known.js';
import { spawnCli } from '../helpers/cli.js';
import { answeringProxy } from '../helpers/forward.js';
import { projectWithSecretToken, sandboxSecrets } from '../helpers/secret-function.js';

describe('a rotated secret in older log lines', () => {
  it('GIVEN a function that logged its secret, then a release that rotated it WHEN its logs are read (a fresh process) THEN the old value is shown as its fingerprint too', async () => {
    // GIVEN a function whose TOKEN comes from Secrets Manager and which logs it on every call
    const { p, token: old, secretId } = await projectWithSecretToken(
      (q) => `Old-T0ken-${q.name}`,
      "export const handler = async () => { console.log('token=' + process.env.TOKEN); return { statusCode: 200, body: 'ok' }; };\n",
    );
    const rotated = `New-T0ken-${p.name}`;
    const first = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
    expect(first.code, first.stderr).toBe(0);
    const called = await spawnCli(['invoke', 'health', '--stage', 'local'], p.dir);
    expect(called.code, called.stderr).toBe(0);
    // AND the secret rotated and released (the live alias now holds the new value only)
    await sandboxSecrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: rotated }));
    const second = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
    expect(second.code, second.stderr).toBe(0);

    // WHEN the last hour of its logs is read, as text and as JSON
    const runs = await Promise.all([
      spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h'], p.dir),
      spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h', '--output', 'json'], p.dir),
    ]);
    // THEN the line the function logged before the rotation is there, with the old value's fingerprint
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[0]!.stdout).toContain(`token=${fingerprint(old)}`);
    for (const r of runs) expect(`${r.stdout}\n${r.stderr}`).not.toContain(old);

    // WHEN read by a role that may not list the function's versions (lambda:ListVersionsByFunction denied)
    const denying = await answeringProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, (req) =>
      req.method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/versions/.test(req.url ?? '')
        ? { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException', 'x-amzn-requestid': 'r-deny' }, body: JSON.stringify({ Message: 'not authorized to perform: lambda:ListVersionsByFunction' }) }
        : undefined,
    );
    try {
      const limited = await spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: denying.url });
      // THEN it still works, and the live version's value is scrubbed
      expect(limited.code, limited.stderr).toBe(0);
      expect(limited.stdout).toContain(`token=${fingerprint(rotated)}`);
      expect(limited.stdout).not.toContain(rotated);
    } finally {
      await denying.close();
    }
  });
});
