import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { loadProject } from '../../src/config/load.js';
import { stageContext, type Ctx } from '../../src/context.js';

export const ACCOUNT = '123456789012';

/** A handler that answers with its env (names only) and a marker, for engine tests. */
export function handlerSource(marker = 'v1', requiredEnv: string[] = []): string {
  return `export const REQUIRED_ENV = [${requiredEnv.map((e) => `'${e}'`).join(', ')}] as const;
export const handler = async (event: any, context: any) => {
  if (event && event.fail) throw new Error('smoke failure requested');
  if (event && event.context) return { statusCode: 200, body: JSON.stringify({ arn: context.invokedFunctionArn, version: context.functionVersion, memory: context.memoryLimitInMB }) };
  if (process.env.FAIL_SMOKE === 'yes') throw new Error('configured to fail');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ marker: '${marker}', stage: process.env.STAGE ?? null }) };
};
`;
}

export interface TestProject {
  dir: string;
  name: string;
  /** Writes a file relative to the project. */
  write(rel: string, text: string): void;
  /** Writes turnctl.yaml from an object. */
  writeConfig(config: Record<string, unknown>): void;
  /** Writes releases/<version>.yaml from an object; returns its path. */
  writeRelease(manifest: Record<string, unknown>): string;
  ctx(stage?: string): Ctx;
  config: Record<string, any>;
}

/** Default turnctl.yaml of a test project: stage local on the sandbox, two functions. */
export function baseConfig(name: string): Record<string, any> {
  return {
    project: name,
    region: 'eu-central-1',
    stages: {
      local: { account: ACCOUNT, sandbox: true },
      staging: { account: ACCOUNT, sandbox: true },
      prod: { account: ACCOUNT, sandbox: true, confirm: true, promoteFrom: 'staging' },
    },
    functions: {
      health: { memory: 256, timeout: 10, environment: { STAGE: '${stage}', LOG_LEVEL: 'info' } },
      hello: { memory: 128, timeout: 5, environment: { STAGE: '${stage}' } },
    },
  };
}

/**
 * A fresh project in a temp dir with a unique name, so test files share one sandbox without colliding.
 * (All stages point at the sandbox; resource names carry the project and stage.)
 */
export function makeProject(opts: { config?: (c: Record<string, any>) => void; functions?: Record<string, string> } = {}): TestProject {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-test-'));
  const name = `t${randomBytes(4).toString('hex')}`;
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const config = baseConfig(name);
  opts.config?.(config);
  const fns = opts.functions ?? { health: handlerSource('v1', ['STAGE']), hello: handlerSource('hello-v1') };
  for (const [fn, src] of Object.entries(fns)) {
    write(`src/lambdas/${fn}/index.ts`, src);
    write(`src/lambdas/${fn}/smoke.json`, JSON.stringify({ httpMethod: 'GET', path: `/${fn}`, headers: {} }));
  }
  const p: TestProject = {
    dir,
    name,
    config,
    write,
    writeConfig: (c) => write('turnctl.yaml', stringify(c)),
    writeRelease: (m) => {
      const file = join(dir, 'releases', `${m.version}.yaml`);
      write(`releases/${m.version}.yaml`, stringify(m));
      return file;
    },
    ctx: (stage = 'local') => stageContext(loadProject(dir), stage),
  };
  p.writeConfig(config);
  p.writeRelease({ version: '1.0.0', notes: 'first', checks: { pre: ['credentials'], post: ['smoke'] } });
  return p;
}

/** Copies a fixture directory into a fresh temp dir. */
export function copyFixture(src: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-fx-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}
