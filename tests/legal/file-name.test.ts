import { describe, expect, it } from 'vitest';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';
import { docSource } from './sandbox-s3.js';

describe('a file under legal/ whose name is not a document id', () => {
  it('GIVEN legal/Terms_v2.md WHEN publishing every changed document THEN exit 65 naming the file to rename, nothing written; status names it too', async () => {
    const p = makeProject();
    p.write('legal/Terms_v2.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, '# Terms'));
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    let publish: Awaited<ReturnType<typeof runCli>>;
    try {
      publish = await runCli(['legal', 'publish', '--yes', '--stage', 'local'], p.dir);
    } finally {
      stop();
    }
    // it was: error: "Terms_v2" is not a document id (…; the file name without .md) — naming neither the file nor the fix
    expect([publish.code, publish.stderr]).toEqual([65, 'error: legal/Terms_v2.md: the file name is the document id and must be lower-case letters, digits and dashes; rename the file (e.g. to terms-v2.md)']);
    expect(writes).toEqual([]);

    const status = await runCli(['legal', 'status', '--output', 'json', '--stage', 'local'], p.dir);
    expect(JSON.parse(status.stdout)).toMatchObject([{ doc: 'Terms_v2', state: 'invalid', problem: 'legal/Terms_v2.md: the file name is the document id and must be lower-case letters, digits and dashes; rename the file (e.g. to terms-v2.md)' }]);

    // a name typed on the command line that is no id is still refused as such
    const typed = await runCli(['legal', 'diff', 'Terms', '--stage', 'local'], p.dir);
    expect([typed.code, typed.stderr]).toEqual([65, 'error: "Terms" is not a document id (lower-case letters, digits, dashes; the file name without .md)']);
  });
});
