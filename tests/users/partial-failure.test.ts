import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/state/audit.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { cognitoClient, poolIdByName, readUser } from './sandbox-client.js';
import { refusingProxy } from './refusing-proxy.js';

const cognito = cognitoClient();

describe('users: a command stopped between two of its AWS calls leaves a state that a re-run finishes, and is audited', () => {
  let p: TestProject;
  let poolId: string;
  let proxy: Awaited<ReturnType<typeof refusingProxy>>;
  beforeAll(async () => {
    p = makeProject();
    expect((await runCli(['users', 'init', '--stage', 'local'], p.dir)).code).toBe(0);
    poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    proxy = await refusingProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, ['AdminUserGlobalSignOut', 'AdminAddUserToGroup']);
  });
  afterAll(() => proxy.close());

  const viaProxy = (args: string[]) => spawnCli([...args, '--stage', 'local'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: proxy.url });

  it('GIVEN the group call fails after the user was created WHEN users add runs THEN the creation is audited and the error names the command that finishes it', async () => {
    const res = await viaProxy(['users', 'add', 'half@turn.example', '--role', 'operator', '--suppress-invite']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^error: created half@turn\.example but could not put it in role operator \(.*refused AdminAddUserToGroup.*\); finish with: turnctl users set-role half@turn\.example operator --stage local$/);
    expect(await readUser(cognito, poolId, 'half@turn.example')).toMatchObject({ groups: [] });
    expect((await readAudit(p.ctx(), 'users')).map((e) => `${e.action} ${e.target}`)).toContain('create half@turn.example');
    // WHEN the suggested command runs THEN the user has its role
    expect((await runCli(['users', 'set-role', 'half@turn.example', 'operator', '--stage', 'local'], p.dir)).code).toBe(0);
    expect((await readUser(cognito, poolId, 'half@turn.example'))!.groups).toEqual(['operator']);
  });

  it('GIVEN the sign-out fails WHEN users disable runs THEN the user is still enabled, and a re-run disables it and audits it', async () => {
    const res = await viaProxy(['users', 'disable', 'half@turn.example', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect((await readUser(cognito, poolId, 'half@turn.example'))!.enabled).toBe(true);
    const again = await runCli(['users', 'disable', 'half@turn.example', '--yes', '--stage', 'local'], p.dir);
    expect(again.stdout).toBe('half@turn.example: disabled');
    expect((await readUser(cognito, poolId, 'half@turn.example'))!.enabled).toBe(false);
    expect((await readAudit(p.ctx(), 'users')).map((e) => `${e.action} ${e.target}`)).toContain('disable half@turn.example');
    expect(proxy.refused).toEqual(['AdminAddUserToGroup', 'AdminUserGlobalSignOut']);
  });
});
