import type { Ctx } from '../context.js';
import type { EnvValue } from '../config/sections/common.js';
import { InvalidInputError, isAwsError } from '../errors.js';

import { contentHash, fingerprint, redact, rememberSecret } from './known.js';

export { contentHash, fingerprint, redact };

/** Fingerprints of every value of an environment map (keys kept). */
export function maskEnv(vars: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(vars ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, fingerprint(v)]));
}

/** Where a value comes from, for display: "plain", "ssm:/name", "secret:id". */
export function sourceOf(value: EnvValue): string {
  if (typeof value === 'string') return 'plain';
  return 'ssm' in value ? `ssm:${value.ssm}` : `secret:${value.secret}${value.key ? `#${value.key}` : ''}`;
}

const cache = new WeakMap<Ctx, Map<string, Promise<string>>>();

/** Resolves one reference (SSM parameter, decrypted; Secrets Manager secret, optionally one JSON key); cached per context. */
export function resolveValue(ctx: Ctx, value: EnvValue, where: string): Promise<string> {
  if (typeof value === 'string') return Promise.resolve(value);
  let m = cache.get(ctx);
  if (!m) cache.set(ctx, (m = new Map()));
  const key = JSON.stringify(value);
  let p = m.get(key);
  if (!p) {
    p = ('ssm' in value ? resolveSsm(ctx, value.ssm, where) : resolveSecret(ctx, value.secret, value.key, where)).then((v) => (rememberSecret(v), v));
    m.set(key, p);
  }
  return p;
}

async function resolveSsm(ctx: Ctx, name: string, where: string): Promise<string> {
  const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const ssm = await ctx.aws.ssm();
  try {
    const res = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return res.Parameter?.Value ?? '';
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) throw new InvalidInputError(where, `SSM parameter "${name}" not found on stage ${ctx.stage.name}; create it (aws ssm put-parameter --type SecureString) or fix the reference`);
    throw err;
  }
}

async function resolveSecret(ctx: Ctx, id: string, jsonKey: string | undefined, where: string): Promise<string> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const sm = await ctx.aws.secrets();
  let text: string;
  try {
    const res = await sm.send(new GetSecretValueCommand({ SecretId: id }));
    text = res.SecretString ?? Buffer.from(res.SecretBinary ?? new Uint8Array()).toString('utf8');
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) throw new InvalidInputError(where, `secret "${id}" not found in Secrets Manager on stage ${ctx.stage.name}; create it or fix the reference`);
    throw err;
  }
  rememberSecret(text); // the whole secret too, when only one key of it is used
  if (!jsonKey) return text;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new InvalidInputError(where, `secret "${id}" is not JSON, so key "${jsonKey}" cannot be read; drop "key" or store JSON`);
  }
  const v = (obj as Record<string, unknown>)?.[jsonKey];
  if (v === undefined) {
    // Key names are not secret; listing them is the fix for a typo.
    const keys = obj && typeof obj === 'object' && !Array.isArray(obj) ? Object.keys(obj) : [];
    throw new InvalidInputError(where, `secret "${id}" has no key "${jsonKey}"; ${keys.length ? `its keys: ${keys.sort().join(', ')}` : 'it is not a JSON object'}`);
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The resolved environment of one function (values in memory only; never print them). */
export async function resolveFunctionEnv(ctx: Ctx, fn: string): Promise<Record<string, string>> {
  const env = ctx.stack.functions[fn]?.environment ?? {};
  const entries = await Promise.all(
    Object.entries(env).map(async ([k, v]) => [k, await resolveValue(ctx, v as EnvValue, ctx.project.file.where(['functions', fn, 'environment', k]))] as const),
  );
  // Lambda refuses an environment over 4 KB (moto does not): say so now, not half-way through an apply. Counted as
  // the bytes of keys and values alone, which is less than Lambda counts, so this never refuses what Lambda takes.
  const bytes = entries.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > LAMBDA_ENV_LIMIT)
    throw new InvalidInputError(
      ctx.project.file.where(['functions', fn, 'environment'], true),
      `function "${fn}": its environment holds ${bytes} bytes of keys and values on stage ${ctx.stage.name}, over Lambda's 4 KB limit; keep large values out of it (the function can read them from SSM, Secrets Manager or S3 at run time)`,
    );
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** Lambda's limit on the total size of a function's environment variables. */
const LAMBDA_ENV_LIMIT = 4096;
