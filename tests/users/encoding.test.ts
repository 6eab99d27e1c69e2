import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { decodeUtf8 } from '../../src/utf8.js';
import { makeProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';

describe('an import file that is not UTF-8 (Excel\'s plain "CSV" on Windows writes Windows-1252)', () => {
  it('GIVEN "Müller" saved as Windows-1252 WHEN imported with --apply THEN exit 65 at the line of the ü, and no AWS write', async () => {
    const p = makeProject();
    // ü is the single byte 0xFC in Windows-1252; read as UTF-8 it became U+FFFD and "M�ller" was created in Cognito
    writeFileSync(join(p.dir, 'people.csv'), Buffer.concat([Buffer.from('email,name,role\nada@turn.example,Ada,admin\nm@turn.example,M'), Buffer.from([0xfc]), Buffer.from('ller,support\n')]));
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    const io = recordingIo();
    let code: number;
    try {
      code = await main(['users', 'import', 'people.csv', '--apply', '--stage', 'local'], { io, cwd: p.dir });
    } finally {
      stop();
    }
    expect(code).toBe(65);
    expect(io.stderr).toEqual(['error: people.csv:3: not UTF-8 text (byte 0xFC; saved as Windows-1252 or Latin-1?); save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")']);
    expect(io.stdout).toEqual([]);
    expect(writes).toEqual([]);
  });

  it('UTF-8 text, with or without a BOM, reads as it is', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFemail\nMüller\n', 'utf8'), 'f.csv')).toMatch(/^\uFEFF?email\nMüller\n$/);
    expect(() => decodeUtf8(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xe4, 0x0a]), 'f.csv')).toThrow(/^f\.csv:3: not UTF-8 text \(byte 0xE4;/);
    expect(() => decodeUtf8(Buffer.from('\uFEFFemail\n', 'utf16le'), 'f.csv')).toThrow(/^f\.csv:1: UTF-16 text, not UTF-8; save the file as UTF-8$/);
    // a truncated multi-byte sequence at the end of the file
    expect(() => decodeUtf8(Buffer.from([0x61, 0xc3]), 'f.csv')).toThrow(/^f\.csv:1: not UTF-8 text \(byte 0xC3;/);
  });
});
