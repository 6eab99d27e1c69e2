import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';

const lambda = new LambdaClient({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

describe('a function taken out of turnctl.yaml', () => {
  let p: TestProject;
  let manifest: string;
  beforeAll(async () => {
    p = makeProject();
    manifest = `${p.dir}/releases/1.0.0.yaml`;
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(r.code, r.stderr).toBe(0);
  });

  it('GIVEN an applied stage WHEN every function is still declared THEN the plan warns of nothing', async () => {
    const r = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).warnings).toBeUndefined();
  });

  it('GIVEN hello removed from turnctl.yaml WHEN planned THEN the plan names it as left alone, and nothing touches it', async () => {
    delete p.config.functions.hello;
    p.writeConfig(p.config);
    // WHEN planned as JSON and as text
    const json = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json'], p.dir);
    const text = await runCli(['release', 'plan', manifest, '--stage', 'local'], p.dir);
    // THEN both name the function; the plan itself has no change for it
    const plan = JSON.parse(json.stdout);
    expect(plan.warnings).toEqual([expect.stringContaining(`function(s) ${p.name}-local-hello`)]);
    expect(plan.steps.flatMap((s: { changes: Array<{ id: string }> }) => s.changes.map((c) => c.id))).not.toContain('function:hello');
    expect(text.stdout).toMatch(new RegExp(`warning: not in turnctl.yaml, left as they are: function\\(s\\) ${p.name}-local-hello`));
    // AND WHEN applied THEN the function is still there: nothing deleted it
    const { result, calls } = await recordAwsCalls(() => runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir));
    expect(result.code, result.stderr).toBe(0);
    expect(calls.filter((c) => c.service === 'lambda' && isWriteCommand(c.command)).map((c) => c.command)).not.toContain('DeleteFunction');
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-hello` }))).FunctionName).toBe(`${p.name}-local-hello`);
  });
});
