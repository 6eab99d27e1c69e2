import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

/** Plans release 1.0.0 of a project whose buckets section is `buckets`; returns exit code, stderr and the config text. */
async function planWith(buckets: unknown, extra: (p: ReturnType<typeof makeProject>) => void = () => {}) {
  const p = makeProject({ config: (c) => (c.buckets = buckets) });
  extra(p);
  const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
  return { ...r, yaml: readFileSync(`${p.dir}/turnctl.yaml`, 'utf8').split('\n') };
}

const lineOf = (yaml: string[], text: string) => yaml.findIndex((l) => l.includes(text)) + 1;

describe('buckets config: bad input is exit 65 at file:line', () => {
  it('GIVEN an invalid S3 bucket name WHEN planning THEN 65 at the name', async () => {
    const r = await planWith({ uploads: { name: 'Bad_Name.${stage}' } });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(r.yaml, 'Bad_Name')}:`);
    expect(r.stderr).toContain('bucket name "Bad_Name.local" may only hold lower-case letters, digits, dots and dashes');
  });

  it('GIVEN a grant to an unknown function WHEN planning THEN 65 at the grant, listing the functions', async () => {
    const r = await planWith({ uploads: { grants: [{ function: 'healht', access: ['read'] }] } });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(r.yaml, 'healht')}:`);
    expect(r.stderr).toContain('grants to unknown function "healht"; functions in turnctl.yaml: health, hello');
  });

  it('GIVEN aws:kms without a key or an unknown access WHEN planning THEN 65 at that key', async () => {
    const kms = await planWith({ uploads: { encryption: { algorithm: 'aws:kms' } } });
    expect(kms.code).toBe(65);
    expect(kms.stderr).toContain(`turnctl.yaml:${lineOf(kms.yaml, 'algorithm')}:`);
    expect(kms.stderr).toContain('aws:kms needs "key"');
    const access = await planWith({ uploads: { grants: [{ function: 'health', access: ['delete'] }] } });
    expect(access.code).toBe(65);
    expect(access.stderr).toMatch(/must be one of: "read", "write", "list"/);
  });

  it('GIVEN a policy file that is missing or not a policy WHEN planning THEN 65 at the config line or the policy file line', async () => {
    const missing = await planWith({ uploads: { policy: 'policies/none.json' } });
    expect(missing.code).toBe(65);
    expect(missing.stderr).toContain(`turnctl.yaml:${lineOf(missing.yaml, 'policies/none.json')}:`);
    const bad = await planWith({ uploads: { policy: 'policies/p.json' } }, (p) => p.write('policies/p.json', '{\n  "Statement": [\n    { "Effect": "Maybe", "Action": "s3:*" }\n  ]\n}\n'));
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/policies\/p\.json:3:\d+: bucket policy: Effect must be "Allow" or "Deny"/);
  });

  it('GIVEN a bucket policy S3 would refuse (another bucket, no principal, public while public policies are blocked) WHEN planning THEN 65 at that statement, before any write', async () => {
    const other = await planWith({ uploads: { policy: 'policies/p.json' } }, (p) =>
      p.write('policies/p.json', '{\n  "Statement": [\n    { "Effect": "Deny", "Principal": "*", "Action": "s3:*",\n      "Resource": "arn:aws:s3:::someone-else/*" }\n  ]\n}\n'),
    );
    expect(other.code).toBe(65);
    expect(other.stderr).toMatch(/policies\/p\.json:4:\d+: bucket policy: resource "arn:aws:s3:::someone-else\/\*" is not bucket t[0-9a-f]+-local-uploads/);
    const noPrincipal = await planWith({ uploads: { policy: { Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::${project}-${stage}-uploads/*' }] } } });
    expect(noPrincipal.code).toBe(65);
    expect(noPrincipal.stderr).toMatch(/turnctl\.yaml:\d+:\d+: bucket "uploads" policy: a bucket policy statement needs "Principal"/);
    const publicRead = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::${project}-${stage}-uploads/*' }] };
    const blocked = await planWith({ uploads: { policy: publicRead } });
    expect(blocked.code).toBe(65);
    expect(blocked.stderr).toMatch(/allows everyone \("\*"\) while the bucket blocks public policies/);
    // with public policies allowed, or a condition, the same statement is planned
    expect((await planWith({ uploads: { policy: publicRead, publicAccessBlock: false } })).code).toBe(0);
    const tlsOnly = { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::${project}-${stage}-uploads', 'arn:aws:s3:::${project}-${stage}-uploads/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] };
    expect((await planWith({ uploads: { policy: tlsOnly } })).code).toBe(0);
  });

  it('GIVEN a bucket CORS rule with "*", an origin with a path or no origins WHEN planning THEN 65 at its origins, nothing written', async () => {
    const rule = (origins: unknown) => ({ uploads: { cors: [{ origins, methods: ['GET'] }] } });
    const star = await planWith(rule('*'));
    expect(star.code).toBe(65);
    expect(star.stderr).toContain(`turnctl.yaml:${lineOf(star.yaml, 'origins')}:`);
    expect(star.stderr).toContain('bucket "uploads" CORS origin "*" must be scheme://host[:port] without a path or trailing slash');
    const path = await planWith(rule(['https://app.example.com', 'https://app.example.com/upload']));
    expect(path.code).toBe(65);
    expect(path.stderr).toContain('CORS origin "https://app.example.com/upload" must be scheme://host[:port]');
    const empty = await planWith(rule([]));
    expect(empty.code).toBe(65);
    expect(empty.stderr).toContain('bucket "uploads" cors rule 1 has no origins');
    expect(star.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(star.stderr).not.toMatch(/\n\s+at /);
    // comma-separated origins (a stage var) are fine
    expect((await planWith(rule('https://a.example.com, http://localhost:5173'))).code).toBe(0);
  });

  it('GIVEN a bucket CORS origin a browser never sends (upper-case host, default port) WHEN planning THEN 65 at its origins naming the form a browser sends (S3 compares the Origin header exactly: the rule never matched)', async () => {
    const rule = (origins: unknown) => ({ uploads: { cors: [{ origins, methods: ['GET'] }] } });
    for (const [origin, sent] of [
      ['https://App.example.com', 'https://app.example.com'],
      ['https://app.example.com:443', 'https://app.example.com'],
      ['http://localhost:80', 'http://localhost'],
    ]) {
      const r = await planWith(rule(`http://localhost:5173,${origin}`));
      expect(r.code, origin).toBe(65);
      expect(r.stderr).toContain(`turnctl.yaml:${lineOf(r.yaml, 'origins')}:`);
      expect(r.stderr).toContain(`bucket "uploads" CORS origin "${origin}" is not what a browser sends in its Origin header ("${sent}"); write it as "${sent}"`);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    }
    // a non-default port is part of the origin
    expect((await planWith(rule('https://app.example.com:8443'))).code).toBe(0);
  });

  it('GIVEN a bucket CORS allowed header with two "*" WHEN planning THEN 65 at that header (S3 refuses it in PutBucketCors, mid-apply); one "*" is fine', async () => {
    const rule = (headers: string[]) => ({ uploads: { cors: [{ origins: 'https://app.example.com', methods: ['GET'], headers }] } });
    const r = await planWith(rule(['Content-Type', 'x-*-meta-*']));
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(r.yaml, 'x-*-meta-*')}:`);
    expect(r.stderr).toContain('bucket "uploads" CORS header "x-*-meta-*" has more than one "*"; S3 allows one wildcard per header (e.g. x-amz-*)');
    expect((await planWith(rule(['x-amz-*', '*']))).code).toBe(0);
  });

  it('GIVEN a policy, publicAccessBlock or cors origins of the wrong kind WHEN planning THEN 65 at that key saying what it takes (was zod\'s bare "Invalid input")', async () => {
    const policy = await planWith({ uploads: { policy: [1, 2] } });
    expect(policy.code).toBe(65);
    expect(policy.stderr).toMatch(/turnctl\.yaml:\d+:\d+: "buckets\.uploads\.policy": must be the path of a JSON policy file or an inline policy document/);
    const pab = await planWith({ uploads: { publicAccessBlock: { blockPublicAcls: 'nope' } } });
    expect(pab.code).toBe(65);
    expect(pab.stderr).toContain('"buckets.uploads.publicAccessBlock": must be true, false or { blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets } (each true or false)');
    const origins = await planWith({ uploads: { cors: [{ origins: 5, methods: ['GET'] }] } });
    expect(origins.code).toBe(65);
    expect(origins.stderr).toContain('"buckets.uploads.cors.0.origins": must be a list of web origins or a comma-separated string of them');
    for (const r of [policy, pab, origins]) expect(r.stderr).not.toContain('Invalid input');
  });

  it('GIVEN an aws:kms key that is not a key id / alias / ARN, or an ARN of another region WHEN planning THEN 65 at the key', async () => {
    const kms = (key: string) => ({ uploads: { encryption: { algorithm: 'aws:kms', key } } });
    const bad = await planWith(kms('arn:aws:kms:eu-central-1:12:key/abc'));
    expect(bad.code).toBe(65);
    expect(bad.stderr).toContain(`turnctl.yaml:${lineOf(bad.yaml, 'arn:aws:kms')}:`);
    expect(bad.stderr).toContain('bucket "uploads" encryption key "arn:aws:kms:eu-central-1:12:key/abc" is not a KMS key id, alias (alias/<name>) or key/alias ARN');
    const region = await planWith(kms('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
    expect(region.code).toBe(65);
    expect(region.stderr).toContain('is in us-east-1; S3 encrypts a bucket of eu-central-1 only with a KMS key of eu-central-1');
    for (const ok of ['alias/turn-uploads', 'arn:aws:kms:${region}:${account}:alias/turn-uploads', '1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab'])
      expect((await planWith(kms(ok))).code, ok).toBe(0);
  });

  it('GIVEN a bucket policy whose principal is a role of the stage account that does not exist WHEN planning THEN 65 at the policy (S3 refuses it mid-apply: "Invalid principal in policy")', async () => {
    const reader = (role: string) => ({
      uploads: { policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::\${account}:role/${role}` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::${project}-${stage}-uploads/*' }] } },
    });
    const missing = await planWith(reader('reporting-nowhere'));
    expect(missing.code).toBe(65);
    expect(missing.stderr).toMatch(/turnctl\.yaml:\d+:\d+: bucket "uploads" policy: principal/);
    expect(missing.stderr).toContain('bucket "uploads" policy: principal arn:aws:iam::123456789012:role/reporting-nowhere names role reporting-nowhere, which does not exist in account 123456789012');
    // a function role counts (the bootstrap step creates it first)
    expect((await planWith(reader('${project}-${stage}-health'))).code).toBe(0);
  });
});
