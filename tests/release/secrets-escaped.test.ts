import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/secrets/known.js';
import { spawnCli } from '../helpers/cli.js';
import { projectWithSecretToken } from '../helpers/secret-function.js';

describe('a secret with characters JSON escapes', () => {
  it('GIVEN a generated password holding " and \\ that the function returns in a JSON body and logs as JSON WHEN invoked and its logs read THEN turnctl prints the fingerprint, never the value in any escaping', async () => {
    // GIVEN a secret as Secrets Manager's GetRandomPassword makes them (punctuation included)
    // AND a function that logs structured JSON and answers with its configuration
    const { p, token } = await projectWithSecretToken(
      (q) => `Pw"q\\7/${q.name}`,
      `export const handler = async () => {
  console.log(JSON.stringify({ msg: 'config', token: process.env.TOKEN }));
  return { statusCode: 200, body: JSON.stringify({ token: process.env.TOKEN }) };
};
`,
    );
    const escaped = JSON.stringify(token).slice(1, -1);
    const applied = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);

    // WHEN invoked (JSON and text) and its logs tailed, each a fresh process
    const runs = await Promise.all([
      spawnCli(['invoke', 'health', '--stage', 'local', '--logs', '--output', 'json'], p.dir),
      spawnCli(['invoke', 'health', '--stage', 'local', '--logs'], p.dir),
    ]);
    runs.push(await spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h', '--output', 'json'], p.dir));
    // THEN each did its job and the answer carries the fingerprint in place of the value
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const fp = fingerprint(token);
    expect(JSON.parse(runs[0]!.stdout).payload.body).toBe(JSON.stringify({ token: fp }));
    // AND no output holds the value, raw or JSON-escaped (once or twice)
    for (const r of runs) for (const form of [token, escaped, JSON.stringify(escaped).slice(1, -1)]) expect(`${r.stdout}\n${r.stderr}`).not.toContain(form);
  });
});
