import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CreateFunctionCommandInput, FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { Ctx } from '../../context.js';
import { mapLimit } from '../../aws/clients.js';
import { getFunctionConfig, pointAlias, publishAndPoint, waitActive, waitUpdated } from '../../aws/lambda.js';
import { artifactByCodeSha } from '../../build/artifacts.js';
import { bundleFunction } from '../../build/bundle.js';
import { TurnctlError, isAwsError } from '../../errors.js';
import { contentHash, maskEnv, resolveFunctionEnv } from '../../secrets/resolve.js';
import type { Change, Step } from '../types.js';
import { refuseMissingGivenRoles } from '../given-roles.js';

/** What a function should look like once live (comparable form: no secrets). */
export interface FunctionShape {
  codeSha256: string;
  runtime: string;
  handler: string;
  memory: number;
  timeout: number;
  role: string;
  description: string;
  /** `<layer>@<content hash>` in declared order. */
  layers: string[];
  /** One fingerprint of the whole environment map (the env step shows the keys). */
  env: string;
}

export interface FunctionsDesired {
  functions: Record<string, { shape: FunctionShape; zipPath: string; env: Record<string, string>; layerRefs: Array<{ name: string; hash: string }> }>;
}

export interface FunctionLive {
  /** $LATEST exists. */
  exists: boolean;
  /** Version the `live` alias points at (null: no alias). */
  aliasVersion: string | null;
  /** Shape of the alias version (or of $LATEST when there is no alias). */
  shape: FunctionShape | null;
}

export interface FunctionsLive {
  functions: Record<string, FunctionLive>;
}

export interface FunctionsResult {
  functions: Record<string, { created: boolean; previousVersion: string | null; newVersion: string }>;
}

const envFingerprint = (vars: Record<string, string> | undefined) => contentHash(JSON.stringify(maskEnv(vars)));

export function roleArn(ctx: Ctx, fn: string): string {
  const role = ctx.names.role(fn);
  return role.startsWith('arn:') ? role : `arn:aws:iam::${ctx.stage.account}:role/${role}`;
}

async function layerHashes(ctx: Ctx, layerNames: string[]): Promise<Map<string, { name: string; hash?: string }>> {
  const byArn = new Map<string, { name: string; hash?: string }>();
  if (layerNames.length === 0) return byArn;
  const { layerVersions } = await import('../../layers/resolve.js');
  for (const name of layerNames) for (const v of await layerVersions(ctx, name)) byArn.set(v.arn, { name, hash: v.hash });
  return byArn;
}

function shapeOf(cfg: FunctionConfiguration, layers: Map<string, { name: string; hash?: string }>): FunctionShape {
  return {
    codeSha256: cfg.CodeSha256 ?? '',
    runtime: cfg.Runtime ?? '',
    handler: cfg.Handler ?? '',
    memory: cfg.MemorySize ?? 128,
    timeout: cfg.Timeout ?? 3,
    role: cfg.Role ?? '',
    description: cfg.Description ?? '',
    layers: (cfg.Layers ?? []).map((l) => {
      const known = layers.get(l.Arn ?? '');
      return known ? `${known.name}@${known.hash ?? 'unknown'}` : (l.Arn ?? '');
    }),
    env: envFingerprint(cfg.Environment?.Variables),
  };
}

/** Field-by-field difference of two shapes: only what differs. */
function delta(before: FunctionShape | null, after: FunctionShape): { before: Partial<FunctionShape>; after: Partial<FunctionShape> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of Object.keys(after) as Array<keyof FunctionShape>) {
    if (JSON.stringify(before?.[k]) !== JSON.stringify(after[k])) {
      b[k] = before?.[k] ?? null;
      a[k] = after[k];
    }
  }
  return { before: b, after: a };
}

async function layerArns(ctx: Ctx, refs: Array<{ name: string; hash: string }>): Promise<string[]> {
  if (refs.length === 0) return [];
  const { layerVersions } = await import('../../layers/resolve.js');
  return Promise.all(
    refs.map(async (r) => {
      const v = (await layerVersions(ctx, r.name)).find((x) => x.hash === r.hash);
      if (!v) throw new TurnctlError(`layer "${r.name}" has no published version with hash ${r.hash.slice(0, 12)}; include the layers step in the release or run turnctl layers publish`);
      return v.arn;
    }),
  );
}

/** Lambda deploys: bundled code and configuration in one new published version; the `live` alias moves to it. */
export const step: Step<FunctionsDesired, FunctionsLive> = {
  section: 'functions',

  async desired(ctx) {
    const out: FunctionsDesired['functions'] = {};
    const { layerContentHash } = Object.values(ctx.stack.functions).some((f) => f.layers.length) ? await import('../../layers/resolve.js') : { layerContentHash: () => '' };
    await mapLimit(Object.entries(ctx.stack.functions), 4, async ([fn, cfg]) => {
      ctx.progress(`bundling ${fn}`);
      const artifact = await bundleFunction(ctx.project.dir, ctx.stateDir, fn, cfg);
      const env = await resolveFunctionEnv(ctx, fn);
      const layerRefs = cfg.layers.map((name) => ({ name, hash: layerContentHash(ctx.project.dir, name, cfg.runtime) }));
      out[fn] = {
        zipPath: artifact.path,
        env,
        layerRefs,
        shape: {
          codeSha256: artifact.codeSha256,
          runtime: cfg.runtime,
          handler: cfg.handler,
          memory: cfg.memory,
          timeout: cfg.timeout,
          role: roleArn(ctx, fn),
          description: cfg.description ?? '',
          layers: layerRefs.map((l) => `${l.name}@${l.hash}`),
          env: envFingerprint(env),
        },
      };
    });
    return { functions: Object.fromEntries(Object.keys(ctx.stack.functions).map((k) => [k, out[k]!])) };
  },

  digest(desired) {
    const h = createHash('sha256');
    for (const [fn, d] of Object.entries(desired.functions)) h.update(`${fn}:${d.shape.codeSha256}:${d.shape.runtime}:${d.shape.handler}:${d.shape.memory}:${d.shape.timeout}:${d.shape.layers.join(',')}\n`);
    return h.digest('hex');
  },

  async read(ctx, desired) {
    await refuseMissingGivenRoles(ctx, Object.keys(desired.functions));
    const layerNames = [...new Set(Object.values(desired.functions).flatMap((d) => d.layerRefs.map((l) => l.name)))];
    const layers = await layerHashes(ctx, layerNames);
    const rows = await mapLimit(Object.keys(desired.functions), ctx.concurrency, async (fn) => {
      const name = ctx.names.fn(fn);
      const live = await getFunctionConfig(ctx, name, ctx.names.alias);
      if (live) return [fn, { exists: true, aliasVersion: live.Version ?? null, shape: shapeOf(live, layers) }] as const;
      const latest = await getFunctionConfig(ctx, name);
      return [fn, { exists: Boolean(latest), aliasVersion: null, shape: latest ? shapeOf(latest, layers) : null }] as const;
    });
    return { functions: Object.fromEntries(rows) };
  },

  diff(desired, live) {
    const changes: Change[] = [];
    for (const [fn, d] of Object.entries(desired.functions)) {
      const l = live.functions[fn];
      if (!l?.exists) {
        changes.push({ id: `function:${fn}`, action: 'create', before: null, after: d.shape });
        continue;
      }
      const { before, after } = delta(l.shape, d.shape);
      if (Object.keys(after).length === 0 && l.aliasVersion) continue;
      changes.push({ id: `function:${fn}`, action: 'update', before: { ...before, version: l.aliasVersion }, after: { ...after, version: 'new' } });
    }
    return changes;
  },

  async apply(ctx, desired, changes) {
    const l = await import('@aws-sdk/client-lambda');
    const lambda = await ctx.aws.lambda();
    const result: FunctionsResult = { functions: {} };
    await mapLimit(changes, ctx.concurrency, async (change) => {
      const fn = change.id.slice('function:'.length);
      const d = desired.functions[fn]!;
      const name = ctx.names.fn(fn);
      const layers = await layerArns(ctx, d.layerRefs);
      const config = {
        Runtime: d.shape.runtime as never,
        Handler: d.shape.handler,
        MemorySize: d.shape.memory,
        Timeout: d.shape.timeout,
        Role: d.shape.role,
        Description: d.shape.description,
        Environment: { Variables: d.env },
        Layers: layers,
      };
      const previous = await getFunctionConfig(ctx, name, ctx.names.alias);
      let latest = await getFunctionConfig(ctx, name);
      let created = false;
      if (!latest) {
        ctx.progress(`creating ${fn}`);
        await createOnceRoleAssumable(lambda, { FunctionName: name, Code: { ZipFile: readFileSync(d.zipPath) }, PackageType: 'Zip', ...config, Tags: { 'turnctl:project': ctx.project.config.project, 'turnctl:stage': ctx.stage.name } });
        await waitActive(lambda, name);
        created = true;
        latest = await getFunctionConfig(ctx, name);
      } else {
        await waitUpdated(lambda, name);
        if (latest.CodeSha256 !== d.shape.codeSha256) {
          ctx.progress(`updating code of ${fn}`);
          await lambda.send(new l.UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: readFileSync(d.zipPath) }));
          await waitUpdated(lambda, name);
        }
        const now = shapeOf(latest, new Map());
        const wantLayers = JSON.stringify(layers);
        const haveLayers = JSON.stringify((latest.Layers ?? []).map((x) => x.Arn));
        if (
          now.runtime !== d.shape.runtime || now.handler !== d.shape.handler || now.memory !== d.shape.memory || now.timeout !== d.shape.timeout ||
          now.role !== d.shape.role || now.description !== d.shape.description || now.env !== d.shape.env || wantLayers !== haveLayers
        ) {
          ctx.progress(`updating configuration of ${fn}`);
          await lambda.send(new l.UpdateFunctionConfigurationCommand({ FunctionName: name, ...config }));
          await waitUpdated(lambda, name);
        }
      }
      ctx.progress(`publishing ${fn}`);
      const version = await publishAndPoint(ctx, name, d.shape.codeSha256);
      result.functions[fn] = { created, previousVersion: previous?.Version ?? null, newVersion: version };
    });
    return result;
  },

  async restore(ctx, before: FunctionsLive, result) {
    const l = await import('@aws-sdk/client-lambda');
    const lambda = await ctx.aws.lambda();
    const restored: string[] = [];
    const published = (result as FunctionsResult | undefined)?.functions ?? {};
    await mapLimit(Object.entries(before.functions), ctx.concurrency, async ([fn, b]) => {
      const name = ctx.names.fn(fn);
      const latest = await getFunctionConfig(ctx, name);
      if (!b.exists) {
        if (latest) {
          await lambda.send(new l.DeleteFunctionCommand({ FunctionName: name }));
          restored.push(`deleted function ${fn} (created by the release)`);
        }
        return;
      }
      if (!latest || !b.aliasVersion) return;
      const [version, live] = await Promise.all([getFunctionConfig(ctx, name, b.aliasVersion), getFunctionConfig(ctx, name, ctx.names.alias)]);
      if (!version) throw new TurnctlError(`cannot restore ${fn}: its recorded version ${b.aliasVersion} no longer exists`);
      // A function the release did not touch (alias and $LATEST as recorded, nothing published) gets no write call.
      if (live?.Version === b.aliasVersion && !published[fn] && sameConfig(latest, version)) return;
      await pointAlias(ctx, name, b.aliasVersion);
      // Put $LATEST back too, so the next plan and apply start from exactly the recorded state.
      await waitUpdated(lambda, name);
      if (latest.CodeSha256 !== version.CodeSha256) {
        const zip = await codeOf(ctx, name, b.aliasVersion, version.CodeSha256!);
        await lambda.send(new l.UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
        await waitUpdated(lambda, name);
      }
      await lambda.send(
        new l.UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Runtime: version.Runtime,
          Handler: version.Handler,
          MemorySize: version.MemorySize,
          Timeout: version.Timeout,
          Role: version.Role,
          Description: version.Description ?? '',
          Environment: { Variables: version.Environment?.Variables ?? {} },
          Layers: (version.Layers ?? []).map((x) => x.Arn!),
        }),
      );
      await waitUpdated(lambda, name);
      // Versions this release published are deleted: the alias no longer points at them.
      const v = published[fn]?.newVersion;
      if (v && v !== b.aliasVersion) {
        try {
          await lambda.send(new l.DeleteFunctionCommand({ FunctionName: name, Qualifier: v }));
        } catch (err) {
          if (!isAwsError(err, 'ResourceNotFoundException', 'ResourceConflictException')) throw err;
        }
      }
      restored.push(`${fn}: live alias back on version ${b.aliasVersion}`);
    });
    return { restored };
  },
};

/** True when $LATEST has exactly the code and configuration of a version (what restore would write). */
function sameConfig(latest: FunctionConfiguration, version: FunctionConfiguration): boolean {
  const shape = (c: FunctionConfiguration) =>
    JSON.stringify([c.CodeSha256, c.Runtime, c.Handler, c.MemorySize, c.Timeout, c.Role, c.Description ?? '', maskEnv(c.Environment?.Variables), (c.Layers ?? []).map((x) => x.Arn)]);
  return shape(latest) === shape(version);
}

/** The zip of a version: from the artifact cache by CodeSha256, else downloaded from Lambda's presigned code URL. */
async function codeOf(ctx: Ctx, name: string, version: string, codeSha256: string): Promise<Uint8Array> {
  const cached = artifactByCodeSha(ctx.stateDir, codeSha256);
  if (cached) return readFileSync(cached);
  const { GetFunctionCommand } = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  const res = await lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: version }));
  const url = res.Code?.Location;
  if (!url) throw new TurnctlError(`cannot restore the code of ${name}: version ${version} has no downloadable code`);
  return downloadWithSdkRetry(url, `the code of ${name} version ${version}`);
}

/**
 * GETs a presigned URL (Lambda's Code.Location) with the AWS SDK's own retry strategy (the same standard retry the
 * clients use: throttling, 5xx and dropped connections are retried with its backoff and quota). A plain fetch has no
 * retry, and this download is on the rollback path of every machine without the artifact cache (CI runners).
 */
export async function downloadWithSdkRetry(url: string, what: string): Promise<Uint8Array> {
  const { StandardRetryStrategy } = await import('@smithy/core/retry');
  const { maxAttempts } = await import('../../aws/clients.js');
  const strategy = new StandardRetryStrategy(maxAttempts());
  let token = await strategy.acquireInitialRetryToken('lambda-code-location');
  for (;;) {
    let status: number | undefined;
    try {
      const res = await fetch(url);
      status = res.status;
      if (res.ok) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        strategy.recordSuccess(token);
        return bytes;
      }
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = undefined; // connection dropped / reset: transient
    }
    if (status !== undefined && status !== 429 && status < 500) throw new TurnctlError(`cannot download ${what}: HTTP ${status}`);
    try {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType: status === 429 ? 'THROTTLING' : 'TRANSIENT' });
    } catch {
      throw new TurnctlError(`cannot download ${what}: ${status ? `HTTP ${status}` : 'connection failed'} after ${maxAttempts()} attempts`);
    }
    await new Promise((r) => setTimeout(r, token.getRetryDelay()));
  }
}

/**
 * IAM is eventually consistent: a role created seconds ago may not be assumable by Lambda yet ("The role defined for
 * the function cannot be assumed by Lambda"), an error the SDK's retry rightly does not treat as retryable. So
 * CreateFunction is repeated by the SDK's own waiter machinery (jittered backoff, bounded time, like the Lambda
 * waiters) until that error stops; any other error ends it at once. No hand-rolled retry loop.
 */
async function createOnceRoleAssumable(lambda: LambdaClient, input: CreateFunctionCommandInput): Promise<void> {
  const { CreateFunctionCommand } = await import('@aws-sdk/client-lambda');
  const { createWaiter, WaiterState } = await import('@smithy/core/client');
  let roleError: unknown;
  const result = await createWaiter({ client: lambda, minDelay: 1, maxDelay: 8, maxWaitTime: ROLE_PROPAGATION_S }, input, async (client, i) => {
    try {
      await client.send(new CreateFunctionCommand(i));
      return { state: WaiterState.SUCCESS };
    } catch (err) {
      if (!isAwsError(err, 'InvalidParameterValueException') || !/cannot be assumed/i.test((err as Error).message ?? '')) throw err;
      roleError = err;
      return { state: WaiterState.RETRY };
    }
  });
  if (result.state !== WaiterState.SUCCESS) throw roleError;
}

/** How long a new role may take to become assumable by Lambda (IAM propagation is seconds, rarely longer). */
const ROLE_PROPAGATION_S = 60;
