import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { changeEverything, direct, fullProject } from './support.js';

const cfg = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const ssm = new SSMClient(cfg);
const sm = new SecretsManagerClient(cfg);

/** A value that cannot appear by chance. */
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/** Every object under a prefix of a bucket, as text. */
async function objects(Bucket: string, Prefix: string): Promise<Array<{ key: string; text: string }>> {
  const out: Array<{ key: string; text: string }> = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await direct.s3.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) {
      const body = await direct.s3.send(new GetObjectCommand({ Bucket, Key: o.Key! }));
      out.push({ key: o.Key!, text: await body.Body!.transformToString() });
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return out;
}

describe('secrets never reach stdout, stderr, the journal or the audit log', () => {
  it('GIVEN env and the database URL from SSM SecureString and Secrets Manager WHEN planned, applied, inspected, failed, rolled back THEN no secret value appears anywhere', async () => {
    // GIVEN secrets in the sandbox: an SSM SecureString, a JSON secret (one key used), a plain secret, a database password
    const p = await fullProject();
    const values = { apiKey: secret('apikey'), rotated: secret('rotated'), dbPassword: secret('dbpass'), token: secret('token'), urlPassword: secret('urlpass') };
    await ssm.send(new PutParameterCommand({ Name: `/${p.name}/local/api-key`, Type: 'SecureString', Value: values.apiKey }));
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/local/db`, SecretString: JSON.stringify({ user: 'turn', password: values.dbPassword }) }));
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/local/token`, SecretString: values.token }));
    const url = new URL(p.dbUrl);
    url.password = values.urlPassword; // the test server trusts local connections: the password is carried, not checked
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/local/database-url`, SecretString: url.toString() }));
    // AND turnctl.yaml referencing them
    p.config.functions.health.environment.API_KEY = { ssm: `/${p.name}/local/api-key` };
    p.config.functions.health.environment.DB_PASSWORD = { secret: `${p.name}/local/db`, key: 'password' };
    p.config.functions.hello.environment.TOKEN = { secret: `${p.name}/local/token` };
    p.config.database.stages.local.url = { secret: `${p.name}/local/database-url` };
    p.writeConfig(p.config);
    const secrets = [values.apiKey, values.rotated, values.dbPassword, values.token, values.urlPassword, encodeURIComponent(values.urlPassword)];

    // WHEN every command that shows or records the release runs
    const outputs: Array<{ cmd: string; code: number | null; text: string }> = [];
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const r = await spawnCli([...args, '--stage', 'local'], p.dir, env);
      outputs.push({ cmd: args.join(' '), code: r.code, text: `${r.stdout}\n${r.stderr}` });
      return r;
    };
    await run(['release', 'plan', 'releases/1.0.0.yaml']);
    await run(['release', 'plan', 'releases/1.0.0.yaml', '--output', 'json', '--out', 'plan.json']);
    expect((await run(['release', 'apply', 'releases/1.0.0.yaml', '--yes', '--output', 'json'])).code).toBe(0);
    // (read-only commands side by side)
    await Promise.all([
      run(['release', 'status']),
      run(['release', 'status', '--output', 'json']),
      run(['release', 'history', '--output', 'json']),
      run(['env', 'show', 'health']),
      run(['env', 'show', 'hello', '--output', 'json']),
      run(['invoke', 'health', '--output', 'json']),
    ]);
    await Promise.all([run(['logs', 'tail', 'health', '--since', '1h']), run(['logs', 'tail', 'hello', '--since', '1h', '--output', 'json'])]);
    // AND a rotated secret, a release that fails in a step (rolled back), one that applies, and a rollback
    await ssm.send(new PutParameterCommand({ Name: `/${p.name}/local/api-key`, Type: 'SecureString', Value: values.rotated, Overwrite: true }));
    const v2 = changeEverything(p);
    await run(['release', 'plan', v2, '--output', 'json']);
    expect((await run(['release', 'apply', v2, '--yes', '--debug'], { TURNCTL_TEST_FAIL_STEP: 'functions' })).code).toBe(1);
    expect((await run(['release', 'apply', v2, '--yes'])).code).toBe(0);
    await run(['env', 'show', 'health', '--output', 'json']);
    expect((await run(['release', 'rollback', '--yes'])).code).toBe(0);
    await Promise.all([run(['release', 'history']), run(['db', 'status'])]);

    // THEN the commands ran (the env really is resolved: env show names the sources) and no output holds a secret
    expect(outputs.find((o) => o.cmd === 'env show health')!.text).toContain(`ssm:/${p.name}/local/api-key`);
    // (a command that failed early would print no secret by failing: each must have done its job, bar the injected failure)
    for (const o of outputs.filter((x) => !x.cmd.startsWith(`release apply ${v2} --yes --debug`))) expect(o.code, `${o.cmd}: ${o.text}`).toBe(0);
    for (const o of outputs) for (const s of secrets) expect(o.text.includes(s), `${o.cmd} printed a secret`).toBe(false);
    // AND the plan saved with --out (a CI artifact) holds fingerprints, not values
    const saved = readFileSync(join(p.dir, 'plan.json'), 'utf8');
    expect(JSON.parse(saved).steps.find((s: { section: string }) => s.section === 'env').changes.length).toBeGreaterThan(0);
    for (const s of secrets) expect(saved.includes(s), 'plan.json holds a secret').toBe(false);
    // AND neither the journal nor the audit log in the state bucket holds one
    const state = `${p.name}-local-turnctl`;
    const journal = await objects(state, 'journal/');
    expect(journal.length).toBeGreaterThanOrEqual(3);
    const audit = await objects(state, 'audit/');
    expect(audit.length).toBeGreaterThan(0);
    for (const o of [...journal, ...audit]) for (const s of secrets) expect(o.text.includes(s), `${o.key} holds a secret`).toBe(false);
    // AND the function itself did get the values (the secrets were really used, only never shown)
    const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
    const live = await direct.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-health`, Qualifier: 'live' }));
    expect(live.Environment?.Variables?.API_KEY).toBe(values.apiKey);
    expect(live.Environment?.Variables?.DB_PASSWORD).toBe(values.dbPassword);
  }, 300_000);
});
