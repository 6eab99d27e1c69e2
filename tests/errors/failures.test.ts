import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, InternalError, TurnctlError } from '../../src/errors.js';
import { BIN, spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

const sdkError = (name: string, message: string, call = { service: 'lambda', command: 'UpdateFunctionConfiguration' }) =>
  Object.defineProperty(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' }), 'turnctlAwsCall', { value: call });

describe('what the user reads when something outside turnctl fails (pure)', () => {
  it('names the AWS call and the fix for denied, expired, rejected and throttled calls, and any other AWS error', () => {
    expect(describeFailure(sdkError('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: lambda:UpdateFunctionConfiguration')).message).toBe(
      'AWS denied lambda UpdateFunctionConfiguration: User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: lambda:UpdateFunctionConfiguration; the caller needs that permission (or use a profile that has it)',
    );
    expect(describeFailure(sdkError('ExpiredTokenException', 'The security token included in the request is expired')).message).toBe(
      'the AWS credentials have expired (lambda UpdateFunctionConfiguration); refresh them (e.g. aws sso login) and run again',
    );
    expect(describeFailure(sdkError('UnrecognizedClientException', 'bad token')).message).toMatch(/^AWS does not accept these credentials \(lambda UpdateFunctionConfiguration: UnrecognizedClientException\)/);
    expect(describeFailure(sdkError('TooManyRequestsException', 'Rate exceeded')).message).toMatch(/^AWS kept throttling lambda UpdateFunctionConfiguration after the SDK's retries; lower the stage's concurrency/);
    expect(describeFailure(sdkError('InvalidParameterValueException', 'Runtime nodejs8.10 is not supported\nsecond line')).message).toBe(
      'AWS lambda UpdateFunctionConfiguration failed: InvalidParameterValueException: Runtime nodejs8.10 is not supported',
    );
  });

  it('says how to fix a missing network or missing credentials; only what is left is an internal error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), { code: 'ECONNREFUSED', address: '10.1.2.3', port: 443 });
    expect(describeFailure(refused).message).toBe("cannot reach 10.1.2.3:443 (ECONNREFUSED); check the network and the stage's region/endpoint");
    const noCreds = Object.assign(new Error('Could not load credentials from any providers.'), { name: 'CredentialsProviderError' });
    expect(describeFailure(noCreds).message).toBe(
      "no AWS credentials: Could not load credentials from any providers; set the stage's profile in turnctl.yaml (e.g. after aws sso login), or put credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a web identity in CI), which win over the profile",
    );
    const bug = describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(bug).toBeInstanceOf(InternalError);
    expect(bug.message).toMatch(/^internal error: .* \(please report this with the output of --debug\)$/);
    const own = new TurnctlError('already one line');
    expect(describeFailure(own)).toBe(own);
  });
});

describe('failures from outside, end to end', () => {
  it('GIVEN the sandbox endpoint is down WHEN a plan runs THEN exit 1 with one line naming the endpoint, the call and how to start the sandbox', async () => {
    const p = makeProject();
    const dead = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const r = await spawnCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: `http://127.0.0.1:${dead}`, TURNCTL_MAX_ATTEMPTS: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^error: cannot reach 127\\.0\\.0\\.1:${dead} \\(ECONNREFUSED during \\w+ \\w+\\); is the local sandbox running\\? start it with: turnctl sandbox start$`));
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  describe('GIVEN AWS answers with an error that quotes the environment it was sent (as Lambda does past 4 KB)', () => {
    let proxy: Server;
    let url: string;
    const cfg = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    beforeAll(async () => {
      // In front of the sandbox: CreateFunction / UpdateFunctionConfiguration with an environment holding API_KEY are
      // refused the way Lambda refuses an oversized one, quoting the variables; everything else is forwarded.
      const target = new URL(process.env.TURNCTL_SANDBOX_ENDPOINT!);
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const lambdaWrite = /^\/2015-03-31\/functions(\/[^/]+\/configuration)?\/?$/.test(req.url ?? '') && (req.method === 'POST' || req.method === 'PUT');
          const vars = lambdaWrite ? (JSON.parse(body.toString() || '{}') as { Environment?: { Variables?: Record<string, string> } }).Environment?.Variables : undefined;
          if (vars && 'API_KEY' in vars) {
            res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidParameterValueException', 'x-amzn-requestid': 'r-1' });
            return res.end(JSON.stringify({ Type: 'User', message: `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(vars)}` }));
          }
          const up = httpRequest({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (u) => {
            res.writeHead(u.statusCode ?? 502, u.headers);
            u.pipe(res);
          });
          up.on('error', () => res.destroy());
          up.end(body);
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

    it('WHEN the release is applied THEN it fails naming the call, and neither the output nor the journal holds the secret', async () => {
      const p = makeProject();
      // (with the " and \ of a generated password: Lambda quotes the variables as JSON, which escapes them)
      const value = `api"key\\${randomBytes(12).toString('hex')}`;
      const escaped = JSON.stringify(value).slice(1, -1);
      await new SSMClient(cfg).send(new PutParameterCommand({ Name: `/${p.name}/local/api-key`, Type: 'SecureString', Value: value }));
      p.config.functions.health.environment.API_KEY = { ssm: `/${p.name}/local/api-key` };
      p.writeConfig(p.config);

      const r = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes', '--debug'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: step functions failed: AWS lambda (CreateFunction|UpdateFunctionConfiguration) failed: InvalidParameterValueException: Lambda was unable to configure your environment variables .*"API_KEY":"scrypt:[0-9a-f]{10}"/);
      expect(`${r.stdout}${r.stderr}`).not.toContain(value);
      expect(`${r.stdout}${r.stderr}`).not.toContain(escaped);

      const s3 = new S3Client({ ...cfg, forcePathStyle: true });
      const Bucket = `${p.name}-local-turnctl`;
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'journal/' }))).Contents?.map((o) => o.Key!) ?? [];
      expect(keys.length).toBe(1);
      const journal = await (await s3.send(new GetObjectCommand({ Bucket, Key: keys[0] }))).Body!.transformToString();
      expect(journal).toContain('InvalidParameterValueException');
      expect(journal).not.toContain(value);
      expect(journal).not.toContain(escaped);
    });
  });
});

describe('output into a pipe that closes', () => {
  it('GIVEN stdout piped into a reader that goes away (turnctl … | head) WHEN the command prints THEN no EPIPE stack trace and the command still ends with its own exit code', async () => {
    const p = makeProject();
    const child = spawn(process.execPath, [BIN, 'release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--output', 'json'], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader leaves before the plan is printed (node starts in ~100 ms; the plan is read from the sandbox after).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code, stderr).toBe(0);
  });
});
