import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { answeringProxy, type CannedAnswer } from '../helpers/forward.js';
import { recordingIo } from '../helpers/io.js';
import { ACCOUNT, makeProject, type TestProject } from '../helpers/project.js';

/**
 * `turnctl invoke` on an AWS stage calls Lambda's Invoke (moto runs no code, so the sandbox path runs the artifact
 * itself): a proxy in front of the sandbox answers Invoke as Lambda does, the rest goes to moto.
 */
describe('turnctl invoke on an AWS stage (Lambda Invoke answered by a proxy as AWS answers it)', () => {
  let p: TestProject;
  let proxy: { url: string; close(): Promise<void> };
  let invokeAnswer: CannedAnswer;
  const invoked: string[] = [];
  beforeAll(async () => {
    proxy = await answeringProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, (req) => {
      if (req.method !== 'POST' || !/^\/2015-03-31\/functions\/[^/]+\/invocations/.test(req.url ?? '')) return undefined;
      invoked.push(req.url!);
      return invokeAnswer;
    });
    p = makeProject({ config: (c) => (c.stages.aws = { account: ACCOUNT, endpoint: proxy.url }) });
  });
  afterAll(() => proxy.close());

  const run = async (argv: string[]) => {
    const io = recordingIo();
    const code = await main(argv, { io, cwd: p.dir });
    return { code, io };
  };

  it('GIVEN the handler threw WHEN invoked THEN exit 1, one error line with the runtime error type (not "Unhandled") and message; the live alias was called; --logs prints the LogResult tail', async () => {
    // GIVEN Lambda's answer to a handler that threw: 200, X-Amz-Function-Error Unhandled, the runtime's error payload
    const payload = { errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'id')\n    at handler", trace: ['TypeError: …'] };
    invokeAnswer = {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'x-amz-function-error': 'Unhandled',
        'x-amz-executed-version': '7',
        'x-amz-log-result': Buffer.from('START RequestId: r1 Version: 7\nERROR Invoke Error {"errorType":"TypeError"}\nEND RequestId: r1\n').toString('base64'),
        'x-amzn-requestid': 'r1',
      },
      body: JSON.stringify(payload),
    };
    // WHEN invoked
    const r = await run(['invoke', 'hello', '--stage', 'aws', '--logs']);
    // THEN exit 1, Invoke was called on the live alias, and the error line names the runtime's type, on one line
    expect(r.code).toBe(1);
    expect(invoked.at(-1)).toMatch(new RegExp(`^/2015-03-31/functions/${p.name}-aws-hello/invocations\\?Qualifier=live$`));
    const errors = r.io.stderr.filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([`error: function hello (version 7) on stage aws failed: TypeError: Cannot read properties of undefined (reading 'id') at handler`]);
    expect(r.io.stderr).toContain('ERROR Invoke Error {"errorType":"TypeError"}');
  });

  it('GIVEN no live alias (Lambda: 404 ResourceNotFoundException) WHEN invoked THEN exit 1 with the same one line as on the sandbox', async () => {
    invokeAnswer = {
      status: 404,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException', 'x-amzn-requestid': 'r3' },
      body: JSON.stringify({ Type: 'User', Message: `Function not found: arn:aws:lambda:eu-central-1:${ACCOUNT}:function:${p.name}-aws-hello:live` }),
    };
    const r = await run(['invoke', 'hello', '--stage', 'aws']);
    expect(r.code).toBe(1);
    expect(r.io.stderr.filter((l) => l.startsWith('error:'))).toEqual(['error: function hello has no live alias on stage aws; apply a release first']);
  });

  it('GIVEN the handler returned WHEN invoked THEN exit 0 with the payload and the executed version', async () => {
    invokeAnswer = { status: 200, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '7', 'x-amzn-requestid': 'r2' }, body: JSON.stringify({ statusCode: 200, body: '{"ok":true}' }) };
    const r = await run(['invoke', 'hello', '--stage', 'aws', '--output', 'json']);
    expect(r.code, r.io.text()).toBe(0);
    expect(JSON.parse(r.io.stdout.join('\n'))).toEqual({ function: 'hello', version: '7', ok: true, statusCode: 200, error: null, payload: { statusCode: 200, body: '{"ok":true}' } });
  });
});
