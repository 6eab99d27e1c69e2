import { describe, expect, it } from 'vitest';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

describe('users reset-password of a disabled user', () => {
  it('GIVEN a disabled user WHEN reset-password is run THEN it is refused before the confirmation is asked (TTY or not), nothing written', async () => {
    const p = makeProject();
    const run = (args: string[], opts: { interactive?: boolean; answers?: boolean[] } = {}) => runCli([...args, '--stage', 'local'], p.dir, opts);
    expect((await run(['users', 'add', 'ada@turn.example', '--role', 'admin', '--suppress-invite'])).code).toBe(0);
    expect((await run(['users', 'disable', 'ada@turn.example', '--yes'])).code).toBe(0);
    const refusal = 'error: user ada@turn.example is disabled; enable it first: turnctl users enable ada@turn.example --stage local';
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    try {
      // at a terminal: it asked "Reset the password …?" first, and refused only after the operator said yes
      const tty = await run(['users', 'reset-password', 'ada@turn.example'], { interactive: true, answers: [true] });
      expect([tty.code, tty.stderr]).toEqual([1, refusal]);
      // in a script: it asked for --yes first, and the re-run with --yes was refused for another reason
      const script = await run(['users', 'reset-password', 'ada@turn.example']);
      expect([script.code, script.stderr]).toEqual([1, refusal]);
    } finally {
      stop();
    }
    expect(writes).toEqual([]);
  });
});
