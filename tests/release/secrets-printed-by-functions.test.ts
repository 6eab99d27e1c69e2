import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/secrets/known.js';
import { spawnCli } from '../helpers/cli.js';
import { projectWithSecretToken } from '../helpers/secret-function.js';

describe('a function that prints its own secrets', () => {
  it('GIVEN a deployed function that logs and returns a secret env value WHEN invoked and its logs read (each in a fresh process) THEN turnctl prints the fingerprint, never the value', async () => {
    // GIVEN a function whose TOKEN comes from Secrets Manager, and which leaks it in a log line, an error line and its answer
    const { p, token } = await projectWithSecretToken(
      (q) => `Leaky-T0ken-${q.name}`,
      `export const handler = async () => {
  console.log('config token=' + process.env.TOKEN);
  console.error('ERROR could not use token ' + process.env.TOKEN);
  return { statusCode: 200, body: JSON.stringify({ token: process.env.TOKEN }) };
};
`,
    );
    const applied = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);

    // WHEN invoked and its logs read, each command a new process (it knows no secret until it reads the function's)
    const runs: Array<Awaited<ReturnType<typeof spawnCli>>> = await Promise.all([
      spawnCli(['invoke', 'health', '--stage', 'local', '--logs', '--output', 'json'], p.dir),
      spawnCli(['invoke', 'health', '--stage', 'local'], p.dir),
    ]);
    runs.push(
      ...(await Promise.all([
        spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h'], p.dir),
        spawnCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '1h', '--filter', 'config', '--output', 'json'], p.dir),
        spawnCli(['logs', 'errors', '--stage', 'local', '--since', '1h', '--output', 'json'], p.dir),
      ])),
    );
    // THEN each did its job, and shows the fingerprint where the function printed the value
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const [invokeJson, invokeText, tail, tailJson, errors] = runs;
    const fp = fingerprint(token);
    expect(JSON.parse(invokeJson!.stdout).payload.body).toBe(JSON.stringify({ token: fp }));
    expect(invokeJson!.stderr).toContain(`config token=${fp}`);
    expect(invokeText!.stdout).toContain(fp);
    expect(tail!.stdout).toContain(`config token=${fp}`);
    expect(tailJson!.stdout).toContain(`config token=${fp}`);
    expect(JSON.parse(errors!.stdout).functions.find((f: { function: string }) => f.function === 'health').entries[0].message).toContain(`could not use token ${fp}`);
    for (const r of runs) expect(`${r.stdout}\n${r.stderr}`).not.toContain(token);
  });
});
