import { beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/state/audit.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { onTerminal } from '../helpers/terminal.js';
import { docSource, readIndexJson } from '../legal/sandbox-s3.js';
import { cognitoClient, poolIdByName, readUser } from './sandbox-client.js';

const cognito = cognitoClient();
const CTRL_C = '\x03';

describe('Ctrl-C at a confirmation prompt (a real terminal)', () => {
  let p: TestProject;
  beforeAll(async () => {
    p = makeProject();
    for (const stage of ['local', 'prod']) expect((await runCli(['users', 'add', 'ada@turn.example', '--role', 'admin', '--suppress-invite', '--stage', stage], p.dir)).code).toBe(0);
  });

  it.each([
    ['a yes/no prompt', 'local', /Delete user ada@turn\.example from stage local\? \(y\/N\)/],
    ['a typed confirmation (stage with confirm: true)', 'prod', /Type "ada@turn\.example" to confirm:/],
  ])('GIVEN users remove at %s WHEN the operator presses Ctrl-C THEN one line, exit 130, the user is still there and nothing is audited', async (_, stage, prompt) => {
    const r = await onTerminal(['users', 'remove', 'ada@turn.example', '--stage', stage], p.dir, { cols: 100, input: [CTRL_C] });
    expect(r.text).toMatch(prompt);
    expect(r.text).toContain('error: aborted at the prompt (Ctrl-C): nothing was changed');
    expect(r.text).not.toMatch(/internal error|ExitPromptError|at .*\.js:\d+/);
    expect(r.code).toBe(130);
    const poolId = (await poolIdByName(cognito, `${p.name}-${stage}-portal`))!;
    expect(await readUser(cognito, poolId, 'ada@turn.example')).toMatchObject({ groups: ['admin'], enabled: true });
    expect((await readAudit(p.ctx(stage), 'users')).map((e) => e.action)).not.toContain('remove');
  }, 90_000);

  it('GIVEN legal publish at its prompt WHEN the operator presses Ctrl-C THEN exit 130 and index.json is not written', async () => {
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, '# Terms'));
    const r = await onTerminal(['legal', 'publish', 'terms', '--stage', 'local'], p.dir, { cols: 100, input: [CTRL_C] });
    expect(r.text).toContain('Publish terms 1.0 on stage local?');
    expect(r.text).toContain('error: aborted at the prompt (Ctrl-C): nothing was changed');
    expect(r.code).toBe(130);
    expect(await readIndexJson(`${p.name}-local-legal`)).toEqual({});
  }, 90_000);
});
