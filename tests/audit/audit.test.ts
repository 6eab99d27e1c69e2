import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../src/cli.js';
import { isWriteCommand, mapLimit, observeAwsCalls, type AwsCall } from '../../src/aws/clients.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { docSource, s3 } from '../legal/sandbox-s3.js';
import type { AuditRow } from '../../src/audit/service.js';

async function run(p: TestProject, args: string[]) {
  const io = recordingIo();
  const calls: AwsCall[] = [];
  const stop = observeAwsCalls((c) => calls.push(c));
  try {
    const code = await main([...args, '--stage', 'local'], { io, cwd: p.dir });
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), calls };
  } finally {
    stop();
  }
}

type Row = AuditRow;
const json = (out: string) => JSON.parse(out) as { stage: string; since: string | null; kinds: string[]; entries: Row[]; unreadable: string[] };
const what = (rows: Row[]) => rows.map((r) => `${r.kind} ${r.action} ${r.target}`);

describe('turnctl audit (against the sandbox)', () => {
  let p: TestProject;
  let caller: string;
  beforeAll(async () => {
    // GIVEN a stage where an operator added a portal user and published a legal document
    p = makeProject();
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, '# Terms\n\nHello.'));
    expect((await run(p, ['users', 'add', 'ada@turn.example', '--role', 'admin', '--suppress-invite'])).code).toBe(0);
    expect((await run(p, ['legal', 'publish', 'terms', '--yes'])).code).toBe(0);
    // The caller's identity, read through a second (independent) STS client.
    const sts = new STSClient({ endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    caller = (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  });

  it('lists the users add and the legal publish, newest first, with the caller\'s identity', async () => {
    // WHEN the audit log is read as JSON
    const { code, out, calls } = await run(p, ['audit', '--output', 'json']);
    expect(code).toBe(0);
    const res = json(out);
    // THEN it holds both operations (and the pool/bucket creation they did), each by the caller
    expect(res).toMatchObject({ stage: 'local', since: null, kinds: ['users', 'legal'], unreadable: [] });
    expect(what(res.entries)).toEqual(expect.arrayContaining(['users create ada@turn.example', 'legal publish terms']));
    expect(new Set(res.entries.map((e) => e.who))).toEqual(new Set([caller]));
    // AND newest first: the publish came after the add
    const ats = res.entries.map((e) => e.at);
    expect(ats).toEqual([...ats].sort().reverse());
    expect(what(res.entries).indexOf('legal publish terms')).toBeLessThan(what(res.entries).indexOf('users create ada@turn.example'));
    // AND each entry has the documented shape
    const publish = res.entries.find((e) => e.action === 'publish')!;
    expect(publish).toEqual({ at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), who: caller, kind: 'legal', action: 'publish', target: 'terms', details: expect.objectContaining({ version: '1.0', via: 'cli' }) });
    // AND reading made no write call
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);
  });

  it('text: one row per entry (when, who, kind, action, target, details)', async () => {
    const { code, out } = await run(p, ['audit']);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+WHO\s+KIND\s+ACTION\s+TARGET\s+DETAILS$/);
    expect(lines[1]).toMatch(new RegExp(`^\\S+Z\\s+${caller.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+legal\\s+publish\\s+terms\\s+version=1\\.0 `));
    expect(out).toMatch(/users\s+create\s+ada@turn\.example\s+role=admin invite=suppressed/);
  });

  it('--kind filters by kind (comma-separated or repeated); an unknown kind is a usage error', async () => {
    const users = json((await run(p, ['audit', '--kind', 'users', '--output', 'json'])).out).entries;
    expect(users.length).toBeGreaterThan(0);
    expect(new Set(users.map((e) => e.kind))).toEqual(new Set(['users']));
    expect(what(users)).toContain('users create ada@turn.example');

    const legal = json((await run(p, ['audit', '--kind', 'legal', '--output', 'json'])).out);
    expect(legal.kinds).toEqual(['legal']);
    expect(new Set(legal.entries.map((e) => e.kind))).toEqual(new Set(['legal']));
    expect(what(legal.entries)).toContain('legal publish terms');

    const both = json((await run(p, ['audit', '--kind', 'users,legal', '--output', 'json'])).out).entries;
    const repeated = json((await run(p, ['audit', '--kind', 'users', '--kind', 'legal', '--output', 'json'])).out).entries;
    expect(both.length).toBe(users.length + legal.entries.length);
    expect(repeated).toEqual(both);

    const bad = await run(p, ['audit', '--kind', 'user']);
    expect(bad.code).toBe(64);
    expect(bad.err).toBe('error: --kind "user" is not a kind of audit entry; use users, legal (comma-separated or repeated)');
    expect(bad.calls).toEqual([]);
  });

  it('--since: a duration or an ISO date; entries before it are left out', async () => {
    const all = json((await run(p, ['audit', '--output', 'json'])).out).entries;
    const week = json((await run(p, ['audit', '--since', '7d', '--output', 'json'])).out);
    expect(week.entries).toEqual(all);
    expect(Date.parse(week.since!)).toBeLessThan(Date.now() - 6 * 864e5);
    // GIVEN a cut between the add and the publish WHEN read since it THEN only the publish is left
    const publishAt = all.find((e) => e.action === 'publish')!.at;
    const after = json((await run(p, ['audit', '--since', publishAt, '--output', 'json'])).out).entries;
    expect(what(after)).toEqual(['legal publish terms']);
    const future = await run(p, ['audit', '--since', '2999-01-01']);
    expect(future.code).toBe(0);
    expect(future.out).toBe('no audit entries since 2999-01-01T00:00:00.000Z on stage local');
  });

  it.each(['yesterday', '7 days', '7w', '2025-02-30', '2025-13-01', '2025-09-01T25:00:00Z', ''])('--since %j is a usage error (64, one line, no AWS call)', async (since) => {
    const { code, out, err, calls } = await run(p, ['audit', '--since', since]);
    expect(code).toBe(64);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([`error: --since "${since}" is neither a duration nor a date; use e.g. 7d, 12h, 30m, 2025-09-01 or 2025-09-01T08:00:00Z`]);
    expect(calls).toEqual([]);
  });

  it('reads every page of the listing; --since skips older entries without fetching them', async () => {
    // GIVEN 1000 old legal entries, so the real ones are on the second page of ListObjectsV2 (1000 keys a page)
    const bucket = `${p.name}-local-turnctl`;
    const old = Array.from({ length: 1000 }, (_, i) => {
      const at = new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString();
      return { key: `audit/legal/${at.replace(/[:.]/g, '-')}-${String(i).padStart(6, '0')}.json`, entry: { at, who: 'arn:aws:iam::123456789012:user/old', area: 'legal', action: 'publish', target: 'privacy', details: { version: `0.${i}` } } };
    });
    await mapLimit(old, 16, (o) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: JSON.stringify(o.entry), ContentType: 'application/json' })));

    // WHEN the recent legal entries are listed
    const recent = await run(p, ['audit', '--kind', 'legal', '--since', '1d', '--output', 'json']);
    // THEN the publish on the second page is found, and none of the old objects was fetched
    expect(recent.code).toBe(0);
    expect(what(json(recent.out).entries)).toContain('legal publish terms');
    expect(recent.calls.filter((c) => c.command === 'ListObjectsV2').length).toBeGreaterThanOrEqual(2);
    expect(recent.calls.filter((c) => c.command === 'GetObject').length).toBe(json(recent.out).entries.length);

    // AND without --since every entry of both pages is listed, the oldest last
    const everything = json((await run(p, ['audit', '--kind', 'legal', '--output', 'json'])).out).entries;
    expect(everything.length).toBe(1000 + json(recent.out).entries.length);
    expect(everything[0]!.who).toBe(caller);
    expect(everything.at(-1)).toMatchObject({ at: '2020-01-01T00:00:00.000Z', details: { version: '0.0' } });
  });

  it('an object under audit/ that is not an entry is named on stderr and left out', async () => {
    const bucket = `${p.name}-local-turnctl`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'audit/users/2099-01-01T00-00-00-000Z-broken.json', Body: '{not json' }));
    const { code, out, err } = await run(p, ['audit', '--kind', 'users', '--output', 'json']);
    expect(code).toBe(0);
    expect(json(out).unreadable).toEqual(['audit/users/2099-01-01T00-00-00-000Z-broken.json']);
    expect(err).toBe(`warning: 1 object under audit/ in ${bucket} could not be read as an entry: audit/users/2099-01-01T00-00-00-000Z-broken.json`);
    expect(what(json(out).entries)).toContain('users create ada@turn.example');
  });

  it('a stage without a state bucket has no entries, and reading creates nothing', async () => {
    const fresh = makeProject();
    const { code, out, calls } = await run(fresh, ['audit']);
    expect(code).toBe(0);
    expect(out).toBe('no audit entries on stage local');
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);
  });
});
