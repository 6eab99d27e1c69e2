import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { makeProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { docSource } from './sandbox-s3.js';

describe('a legal source that is not UTF-8', () => {
  it('GIVEN legal/terms.md saved as Windows-1252 WHEN published THEN exit 65 at the line of the first bad byte, nothing written; status names it invalid', async () => {
    const p = makeProject();
    const text = docSource({ title: 'AGB', version: '1.0', effectiveDate: '2025-07-01', summary: 'Erste Fassung.' }, '# AGB\n\nKündigung mit einem Monat Frist.');
    // latin1 = Windows-1252 for ü: one byte 0xFC; read as UTF-8 it was published as "K�ndigung"
    mkdirSync(join(p.dir, 'legal'), { recursive: true });
    writeFileSync(join(p.dir, 'legal', 'terms.md'), Buffer.from(text, 'latin1'));
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    const io = recordingIo();
    let code: number;
    try {
      code = await main(['legal', 'publish', 'terms', '--yes', '--stage', 'local'], { io, cwd: p.dir });
    } finally {
      stop();
    }
    expect(code).toBe(65);
    expect(io.stderr).toEqual(['error: legal/terms.md:10: not UTF-8 text (byte 0xFC; saved as Windows-1252 or Latin-1?); save the file as UTF-8']);
    expect(writes).toEqual([]);

    const status = recordingIo();
    expect(await main(['legal', 'status', '--output', 'json', '--stage', 'local'], { io: status, cwd: p.dir })).toBe(0);
    expect(JSON.parse(status.stdout.join('\n'))).toMatchObject([{ doc: 'terms', state: 'invalid', problem: expect.stringMatching(/^legal\/terms\.md:10: not UTF-8 text/) }]);
  });
});
