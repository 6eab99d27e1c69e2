import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/project.js';
import { onTerminal } from '../helpers/terminal.js';

const lambda = new LambdaClient({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const functionsOf = async (project: string) => ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).filter((n) => n.startsWith(`${project}-`)).sort();

describe('at a terminal', () => {
  it('GIVEN a terminal that reports no width WHEN a plan runs (spinner and colour on) THEN it finishes and shows the plan', async () => {
    const p = makeProject();
    const r = await onTerminal(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir, { cols: 0 });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/Plan: \d+ to create, 0 to update, 0 to delete/);
  }, 90_000);

  it('GIVEN a release to apply WHEN the engineer answers no at the prompt THEN nothing changes; WHEN yes THEN it is applied', async () => {
    const p = makeProject();
    const no = await onTerminal(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir, { cols: 100, input: ['n'] });
    expect(no.text).toContain(`Apply release 1.0.0 to stage local?`);
    expect(no.text).toContain('error: aborted: nothing was changed');
    expect(no.code).toBe(1);
    expect(await functionsOf(p.name)).toEqual([]);

    const yes = await onTerminal(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir, { cols: 100, input: ['y'] });
    expect(yes.code, yes.text).toBe(0);
    expect(yes.text).toContain('post-checks passed');
    expect(await functionsOf(p.name)).toEqual([`${p.name}-local-health`, `${p.name}-local-hello`]);
  }, 120_000);

  it('GIVEN prod (typed confirmation) WHEN the engineer types another word THEN nothing is applied', async () => {
    const p = makeProject();
    const r = await onTerminal(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'prod'], p.dir, { cols: 100, input: ['staging'] });
    expect(r.text).toContain('Type "prod" to confirm:');
    expect(r.text).toContain('error: aborted: you typed "staging", not "prod"');
    expect(r.code).toBe(1);
    expect(await functionsOf(p.name)).toEqual([]);
  }, 90_000);
});
