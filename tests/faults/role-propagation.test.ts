import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { answeringProxy } from '../helpers/forward.js';
import { makeProject } from '../helpers/project.js';
import { direct } from './support.js';

/** How many CreateFunction calls the proxy refuses before it lets them through (IAM still propagating the role). */
const REFUSED = 2;

describe('a new role that Lambda cannot assume yet (IAM propagation; moto never refuses, so a proxy does)', () => {
  let proxy: { url: string; close(): Promise<void> };
  const seen = { creates: 0, refused: 0 };
  beforeAll(async () => {
    proxy = await answeringProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, (req) => {
      const create = req.method === 'POST' && /^\/2015-03-31\/functions\/?$/.test(req.url ?? '');
      if (create) seen.creates++;
      if (!create || seen.refused >= REFUSED) return undefined;
      seen.refused++;
      // Lambda's answer while the role is not yet assumable: a 400 the SDK's retry does not repeat.
      return {
        status: 400,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidParameterValueException', 'x-amzn-requestid': 'r-role' },
        body: JSON.stringify({ Type: 'User', message: 'The role defined for the function cannot be assumed by Lambda.' }),
      };
    });
  });
  afterAll(() => proxy.close());

  it('GIVEN the first CreateFunction calls refused with "role cannot be assumed" WHEN the release is applied THEN CreateFunction is repeated until Lambda takes it and the apply succeeds', async () => {
    // GIVEN a project whose two functions do not exist yet
    const p = makeProject();
    // WHEN it is applied through the proxy
    const r = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: proxy.url });
    // THEN it succeeds, after the refused calls were made again (two functions: two that went through)
    expect(r.code, r.stderr).toBe(0);
    expect(seen.refused).toBe(REFUSED);
    expect(seen.creates).toBe(REFUSED + 2);
    // AND both functions exist, read back directly from the sandbox
    for (const fn of ['health', 'hello']) {
      const c = await direct.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-${fn}`, Qualifier: 'live' }));
      expect(c.State, fn).toBe('Active');
    }
  });
});
