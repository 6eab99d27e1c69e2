import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeResultFile } from '../../src/commands/common.js';
import { openStage } from '../../src/context.js';
import { redactingIo } from '../../src/io.js';
import { fingerprint, rememberSecret } from '../../src/secrets/known.js';
import { ensureStateBucket, readStateJson, writeStateJson } from '../../src/state/bucket.js';
import { recordingIo } from '../helpers/io.js';
import { makeProject } from '../helpers/project.js';

/** A secret as this process would have resolved it (a generated password: JSON escapes it). */
const secret = `Sink"Pw\\${Date.now()}`;
rememberSecret(secret);
const fp = fingerprint(secret);

describe('the sinks every output passes redact what no source did', () => {
  it('GIVEN a resolved secret WHEN a command prints it in a result, a warning, a spinner or a prompt THEN the terminal gets the fingerprint', async () => {
    const rec = recordingIo({ answers: [true] });
    const io = redactingIo(rec);
    io.out(`result ${secret}`);
    io.err(`warning: ${JSON.stringify({ detail: secret })}`);
    const s = io.spinner(`step ${secret}`);
    s.update(`still ${secret}`);
    s.succeed(`done ${secret}`);
    await io.confirm(`apply ${secret}?`);
    expect(rec.stdout).toEqual([`result ${fp}`]);
    expect(rec.stderr).toEqual([`warning: {"detail":"${fp}"}`, `step ${fp}`, `still ${fp}`, `done ${fp}`, `apply ${fp}?`]);
  });

  it('GIVEN a resolved secret in a journal-like document WHEN written to the state bucket THEN the object holds the fingerprint and stays valid JSON', async () => {
    const p = makeProject();
    const ctx = openStage('local', { cwd: p.dir });
    await ensureStateBucket(ctx);
    await writeStateJson(ctx, 'journal/test/run.json', { version: 1, steps: [{ error: `refused ${secret}`, result: { values: [secret] } }] });
    expect(await readStateJson(ctx, 'journal/test/run.json')).toEqual({ version: 1, steps: [{ error: `refused ${fp}`, result: { values: [fp] } }] });
  });

  it('GIVEN a secret that reads as a JSON token (an SSM flag "true") WHEN --output json prints a document or a line holding it THEN the output stays JSON, the string holding it redacted', () => {
    rememberSecret('true');
    const rec = recordingIo();
    const io = redactingIo(rec);
    io.out(JSON.stringify({ sensitive: true, flag: 'true', note: `saw ${secret}` }, null, 2));
    io.out(JSON.stringify({ ok: true, message: 'true' }));
    expect(rec.stdout[0]).toBe(JSON.stringify({ sensitive: true, flag: fingerprint('true'), note: `saw ${fp}` }, null, 2));
    expect(JSON.parse(rec.stdout[1]!)).toEqual({ ok: true, message: fingerprint('true') });
  });

  it('GIVEN a resolved secret WHEN a result file (a saved plan) is written THEN the file holds the fingerprint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sink-'));
    const path = writeResultFile(dir, 'plan.json', `${JSON.stringify({ note: secret }, null, 2)}\n`, '--out');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ note: fp });
  });
});
