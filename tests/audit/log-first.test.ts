import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/state/audit.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { docSource, readIndexJson, s3 } from '../legal/sandbox-s3.js';
import { cognitoClient, poolIdByName, readUser } from '../users/sandbox-client.js';
import { denyingS3Proxy } from './denying-s3-proxy.js';

const cognito = cognitoClient();

describe('a caller who cannot write the audit log is refused before anything changes', () => {
  let p: TestProject;
  let poolId: string;
  let proxy: Awaited<ReturnType<typeof denyingS3Proxy>>;
  beforeAll(async () => {
    // GIVEN a user (the state bucket exists: its creation was audited)
    p = makeProject();
    expect((await runCli(['users', 'add', 'ada@turn.example', '--role', 'admin', '--suppress-invite', '--stage', 'local'], p.dir)).code).toBe(0);
    poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, '# Terms'));
    // AND a caller whose requests to the stage's state bucket are denied
    proxy = await denyingS3Proxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, `${p.name}-local-turnctl`);
  });
  afterAll(() => proxy.close());

  const denied = (args: string[]) => spawnCli([...args, '--stage', 'local'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: proxy.url });

  it.each([
    [['users', 'remove', 'ada@turn.example', '--yes']],
    [['users', 'disable', 'ada@turn.example', '--yes']],
    [['users', 'set-role', 'ada@turn.example', 'support']],
    [['users', 'reset-password', 'ada@turn.example', '--yes']],
    [['users', 'add', 'ada@turn.example', '--role', 'operator', '--update']],
    [['users', 'add', 'ben@turn.example', '--role', 'operator', '--suppress-invite']],
  ])('WHEN %j runs THEN one error line, exit 1, and the user pool is as it was', async (args) => {
    const res = await denied(args);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^error: .*denied/i);
    const ada = await readUser(cognito, poolId, 'ada@turn.example');
    expect(ada).toMatchObject({ enabled: true, groups: ['admin'], status: 'FORCE_CHANGE_PASSWORD' });
    expect(await readUser(cognito, poolId, 'ben@turn.example')).toBeUndefined();
  });

  it('WHEN legal publish runs THEN nothing is created or published (not even the legal bucket)', async () => {
    const res = await denied(['legal', 'publish', 'terms', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^error: AWS denied s3 HeadBucket: 403 Forbidden; the caller needs that permission/);
    expect(await readIndexJson(`${p.name}-local-legal`)).toEqual({});
    await expect(s3.send(new HeadBucketCommand({ Bucket: `${p.name}-local-legal` }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('AND the audit log (read directly) holds only what happened: the pool, its groups and the one user', async () => {
    expect((await readAudit(p.ctx(), 'users')).map((e) => `${e.action} ${e.target}`)).toEqual([`create-pool ${p.name}-local-portal`, `create-groups ${p.name}-local-portal`, 'create ada@turn.example']);
    expect(proxy.denied.length).toBeGreaterThan(0);
  });
});
