import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

const endpoint = process.env.TURNCTL_SANDBOX_ENDPOINT;
const opts = { region: 'eu-central-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

describe('secrets from SSM and Secrets Manager', () => {
  it('GIVEN env references to secrets WHEN planned, applied, shown and rolled back THEN no secret value appears in stdout, stderr or the journal', async () => {
    const p = makeProject();
    const ssmValue = `ssm-Secr3t-${p.name}`;
    const secretValue = `sm-Pa55word-${p.name}`;
    const jsonSecret = `json-T0ken-${p.name}`;
    await new SSMClient(opts).send(new PutParameterCommand({ Name: `/${p.name}/api-token`, Type: 'SecureString', Value: ssmValue }));
    const sm = new SecretsManagerClient(opts);
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/db`, SecretString: secretValue }));
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/json`, SecretString: JSON.stringify({ token: jsonSecret, other: 'x' }) }));
    p.config.functions.health.environment.API_TOKEN = { ssm: `/${p.name}/api-token` };
    p.config.functions.health.environment.DB_PASSWORD = { secret: `${p.name}/db` };
    p.config.functions.hello.environment.TOKEN = { secret: `${p.name}/json`, key: 'token' };
    p.writeConfig(p.config);
    const m = `${p.dir}/releases/1.0.0.yaml`;

    const outputs: string[] = [];
    const run = async (args: string[], code = 0) => {
      const r = await runCli(args, p.dir);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(code);
      return r;
    };
    await run(['release', 'plan', m, '--stage', 'local']);
    await run(['release', 'plan', m, '--stage', 'local', '--output', 'json']);
    await run(['release', 'apply', m, '--stage', 'local', '--yes', '--output', 'json']);
    await run(['env', 'show', 'health', '--stage', 'local']);
    await run(['env', 'show', 'hello', '--stage', 'local', '--output', 'json']);
    await run(['release', 'status', '--stage', 'local', '--output', 'json']);
    await run(['release', 'history', '--stage', 'local']);
    // The values really reached Lambda (read back through a second client)…
    const live = await new LambdaClient(opts).send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-health`, Qualifier: 'live' }));
    expect(live.Environment?.Variables?.API_TOKEN).toBe(ssmValue);
    expect(live.Environment?.Variables?.DB_PASSWORD).toBe(secretValue);
    // …a change of the secret shows as a fingerprint change only, and the rollback message too.
    await sm.send(new CreateSecretCommand({ Name: `${p.name}/db2`, SecretString: `${secretValue}-v2` }));
    p.config.functions.health.environment.DB_PASSWORD = { secret: `${p.name}/db2` };
    p.writeConfig(p.config);
    const plan = await run(['release', 'plan', m, '--stage', 'local', '--output', 'json']);
    expect(JSON.parse(plan.stdout).steps.find((s: { section: string }) => s.section === 'env').changes).toEqual([
      expect.objectContaining({ id: 'env:health:DB_PASSWORD', action: 'update', sensitive: true, note: `from secret:${p.name}/db2` }),
    ]);
    await run(['release', 'apply', m, '--stage', 'local', '--yes']);
    await run(['release', 'rollback', '--stage', 'local', '--yes']);

    const s3 = new S3Client({ ...opts, forcePathStyle: true });
    const bucket = `${p.name}-local-turnctl`;
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key!) ?? [];
    expect(keys.filter((k) => k.startsWith('journal/')).length).toBe(2);
    for (const Key of keys) outputs.push(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString());

    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [ssmValue, secretValue, `${secretValue}-v2`, jsonSecret]) expect(all).not.toContain(secret);
    expect(all).toMatch(/scrypt:[0-9a-f]{10}/);
  });

  it('GIVEN a reference to a missing SSM parameter WHEN planned THEN exit 65 at the env key, naming the parameter and not any value', async () => {
    const p = makeProject();
    p.config.functions.health.environment.API_TOKEN = { ssm: `/${p.name}/missing` };
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(new RegExp(`turnctl\\.yaml:\\d+:\\d+: SSM parameter "/${p.name}/missing" not found on stage local`));
  });

  it('GIVEN a JSON secret and a reference to a key it does not have WHEN planned THEN exit 65 listing its key names, never its values', async () => {
    const p = makeProject();
    const value = `pw-Zq9-${p.name}`;
    await new SecretsManagerClient(opts).send(new CreateSecretCommand({ Name: `${p.name}/dbkeys`, SecretString: JSON.stringify({ password: value, user: 'app' }) }));
    p.config.functions.health.environment.DB_PASSWORD = { secret: `${p.name}/dbkeys`, key: 'passwd' };
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code).toBe(65);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^error: \\S*turnctl\\.yaml:\\d+:\\d+: secret "${p.name}/dbkeys" has no key "passwd"; its keys: password, user$`));
    expect(r.stdout + r.stderr).not.toContain(value);
  });
});
