import type { PatchOperation } from '@aws-sdk/client-api-gateway';
import type { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { waitUpdated } from '../aws/lambda.js';
import type { Ctx } from '../context.js';
import { isAwsError, TurnctlError } from '../errors.js';
import type { Change, RestoreResult } from '../release/types.js';
import { missingPool, partitionOf, type GatewayDesired } from './config.js';
import { targetShape } from './diff.js';
import { permissionSid, readGateway, type GatewayLive } from './read.js';
import { DefinitionReconciler } from './reconcile.js';
import { deploymentDescription, same, shapeDigest, type Throttling } from './shape.js';

/** What an apply did (journalled; restore works from the before-state alone when this is missing). */
export interface GatewayApplyResult {
  apiId: string;
  createdApi: boolean;
  /** The deployment this apply created, and the one the stage served before. */
  deploymentId: string | null;
  previousDeploymentId: string | null;
  /** Functions whose `live` alias got the API Gateway permission. */
  permissions: string[];
  /** Functions whose `live` alias lost it (no route calls them any more). */
  removedPermissions?: string[];
  done: string[];
}

const ALL = '/*/*';



/** Stage patch operations that set (or, with null, drop) the all-methods throttling. */
export function throttlingOps(t: Throttling | null): PatchOperation[] {
  if (!t) return [{ op: 'remove', path: ALL }];
  return [
    { op: 'replace', path: `${ALL}/throttling/rateLimit`, value: String(t.rate) },
    { op: 'replace', path: `${ALL}/throttling/burstLimit`, value: String(t.burst) },
  ];
}

/** The execute-api ARN that may invoke the functions: every stage, method and path of the API. */
export const executeApiArn = (region: string, account: string, apiId: string) => `arn:${partitionOf(region)}:execute-api:${region}:${account}:${apiId}/*`;

const ADD_PERMISSION_ATTEMPTS = 4;

/** The AddPermission input that lets this API invoke a function's alias (apply and restore send the same one). */
const permissionInput = (functionName: string, alias: string, apiId: string, region: string, account: string) => ({
  FunctionName: functionName,
  Qualifier: alias,
  StatementId: permissionSid(apiId),
  Action: 'lambda:InvokeFunction',
  Principal: 'apigateway.amazonaws.com',
  SourceArn: executeApiArn(region, account, apiId),
});

/**
 * AddPermission; false when the statement id is already there. On AWS ResourceConflictException means either "The
 * statement id (…) provided already exists" or "The operation cannot be performed at this time. An update is in
 * progress for resource: …" (the function, or its policy, is being changed): the permission is not there then, so
 * the call is repeated after the function's update settles (LastUpdateStatus waiter). moto only ever answers success.
 */
async function addPermission(lambda: LambdaClient, functionName: string, command: AddPermissionCommand): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lambda.send(command);
      return true;
    } catch (err) {
      if (!isAwsError(err, 'ResourceConflictException')) throw err;
      const message = String((err as Error).message ?? '');
      if (/already exists/i.test(message)) return false;
      if (attempt >= ADD_PERMISSION_ATTEMPTS)
        throw new TurnctlError(`Lambda refused the API Gateway permission on ${functionName} ${attempt} times: ${message.replace(/\s+/g, ' ').trim()}; wait until the function's update finishes and apply again`, { cause: err });
      await waitUpdated(lambda, functionName);
    }
  }
}

/** Applies exactly the planned gateway changes: API, definition, Lambda permissions, stage throttling, then one deployment. */
export async function applyGateway(ctx: Ctx, desired: GatewayDesired, changes: Change[], release?: string): Promise<GatewayApplyResult | null> {
  if (changes.length === 0) return null;
  const ids = new Set(changes.map((c) => c.id));
  const only = (id: string) => ids.has(id);
  const client = await ctx.aws.apigw();
  const sdk = await import('@aws-sdk/client-api-gateway');
  const live = await readGateway(ctx, desired);
  const done: string[] = [];
  const target = targetShape(desired, live);
  // Refuse before any write when the authorizer has no user pool to point at.
  for (const [name, a] of Object.entries(target.authorizers))
    if (only(`authorizer:${name}`) && a.providerArns.length === 0) throw missingPool(ctx, desired.userPool);

  let apiId = live.apiId;
  let rootId = live.rootId;
  if (!apiId) {
    if (!only('api')) throw new TurnctlError(`REST API ${desired.apiName} disappeared since the plan was made; plan again`);
    ctx.progress(`gateway: create REST API ${desired.apiName}`);
    const api = await client.send(
      new sdk.CreateRestApiCommand({ name: desired.apiName, description: desired.description, endpointConfiguration: { types: ['REGIONAL'] } }),
    );
    apiId = api.id!;
    rootId = api.rootResourceId ?? null;
    if (!rootId) {
      const res = await client.send(new sdk.GetResourcesCommand({ restApiId: apiId, limit: 500 }));
      rootId = res.items?.find((r) => r.path === '/')?.id ?? null;
    }
    done.push(`create REST API ${desired.apiName} (${apiId})`);
  }
  const api = { apiId, ids: { ...live.ids, resources: { ...live.ids.resources, '/': rootId! } } };
  // Lambda permission on each function's `live` alias (the integration URIs call the alias); first, so a function
  // that is not deployed yet stops the apply before the definition changes.
  const lambda = await ctx.aws.lambda();
  const { AddPermissionCommand, RemovePermissionCommand } = await import('@aws-sdk/client-lambda');
  const permissions: string[] = [];
  for (const [fn, deployed] of Object.entries(desired.functions)) {
    if (!only(`permission:${fn}`)) continue;
    ctx.progress(`gateway: allow API Gateway to invoke ${deployed}:${ctx.names.alias}`);
    try {
      const command = new AddPermissionCommand(permissionInput(deployed, ctx.names.alias, apiId, desired.region, desired.account));
      if (!(await addPermission(lambda, deployed, command))) continue; // already there (same statement id)
      permissions.push(fn);
      done.push(`allow API Gateway to invoke ${deployed}:${ctx.names.alias}`);
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException'))
        throw new TurnctlError(`function ${deployed} has no "${ctx.names.alias}" alias yet, so the route to it cannot be granted; deploy the function first (release apply with the functions section)`);
      throw err;
    }
  }

  const reconciler = new DefinitionReconciler(ctx, client, sdk, api, desired.userPool);
  await reconciler.run(target, live.shape, only);
  done.push(...reconciler.done);

  // Throttling is a stage setting (effective at once, no deployment needed); a new stage comes with its first deployment.
  let deploymentId: string | null = null;
  if (only('deployment')) {
    ctx.progress(`gateway: deploy stage ${desired.stageName}`);
    const d = await client.send(
      new sdk.CreateDeploymentCommand({ restApiId: apiId, stageName: desired.stageName, description: deploymentDescription(shapeDigest(target), release) }),
    );
    deploymentId = d.id ?? null;
    done.push(`deploy stage ${desired.stageName} (deployment ${deploymentId})`);
  }
  if (only('stage:throttling') && desired.throttling) {
    await client.send(new sdk.UpdateStageCommand({ restApiId: apiId, stageName: desired.stageName, patchOperations: throttlingOps(desired.throttling) }));
    done.push(`stage ${desired.stageName} throttling rate ${desired.throttling.rate}/s burst ${desired.throttling.burst}`);
  }
  // Last, once the new deployment no longer routes to them.
  const removedPermissions: string[] = [];
  for (const c of changes) {
    const fn = /^permission:(.+)$/.exec(c.id)?.[1];
    if (!fn || c.action !== 'delete') continue;
    const deployed = desired.declared[fn] ?? ctx.names.fn(fn);
    ctx.progress(`gateway: stop API Gateway invoking ${deployed}:${ctx.names.alias}`);
    try {
      await lambda.send(new RemovePermissionCommand({ FunctionName: deployed, Qualifier: ctx.names.alias, StatementId: permissionSid(apiId) }));
    } catch (err) {
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err; // already gone
    }
    removedPermissions.push(fn);
    done.push(`remove API Gateway permission on ${deployed}:${ctx.names.alias} (no route calls it)`);
  }
  return { apiId, createdApi: !live.apiId, deploymentId, previousDeploymentId: live.stage?.deploymentId ?? null, permissions, removedPermissions, done };
}

/**
 * Puts the recorded before-state back: the API definition as it was, the stage on its previous deployment (or no stage
 * when there was none) with its previous throttling, the deployments and Lambda permissions the release added removed
 * and the ones it removed added back.
 * The REST API itself is kept, even when the release created it.
 */
export async function restoreGateway(ctx: Ctx, before: GatewayLive, result?: GatewayApplyResult | null): Promise<RestoreResult> {
  const client = await ctx.aws.apigw();
  const sdk = await import('@aws-sdk/client-api-gateway');
  const functions = Object.fromEntries(Object.keys(before.permissions).map((fn) => [fn, ctx.names.fn(fn)]));
  const live = await readGateway(ctx, { apiName: before.apiName, stageName: before.stageName, functions, userPool: null });
  const restored: string[] = [];
  const kept: string[] = [];
  if (!live.apiId) return { restored: [`gateway: REST API ${before.apiName} not found; nothing to restore`] };
  const apiId = live.apiId;
  const lambda = await ctx.aws.lambda();
  const { AddPermissionCommand } = await import('@aws-sdk/client-lambda');
  // Permissions the release removed come back first, before the stage routes to those functions again.
  for (const [fn, was] of Object.entries(before.permissions)) {
    if (!was || live.permissions[fn]) continue;
    try {
      const command = new AddPermissionCommand(permissionInput(functions[fn]!, ctx.names.alias, apiId, ctx.stage.region, ctx.stage.account));
      if (await addPermission(lambda, functions[fn]!, command)) restored.push(`gateway: API Gateway permission on ${functions[fn]}:${ctx.names.alias} back`);
    } catch (err) {
      // The function or its alias is gone (nothing to invoke).
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    }
  }

  const reconciler = new DefinitionReconciler(ctx, client, sdk, { apiId, ids: { ...live.ids, resources: { ...live.ids.resources } } }, null);
  await reconciler.run(before.shape, live.shape, () => true);
  restored.push(...reconciler.done.map((d) => `gateway: ${d}`));

  const stageName = before.stageName;
  const releaseDeployments = new Set<string>();
  if (live.stage?.deploymentId && live.stage.deploymentId !== before.stage?.deploymentId) releaseDeployments.add(live.stage.deploymentId);
  if (result?.deploymentId && result.deploymentId !== before.stage?.deploymentId) releaseDeployments.add(result.deploymentId);
  if (before.stage) {
    const ops: PatchOperation[] = [];
    if (before.stage.deploymentId && live.stage?.deploymentId !== before.stage.deploymentId) ops.push({ op: 'replace', path: '/deploymentId', value: before.stage.deploymentId });
    if (!same(before.stage.throttling, live.stage?.throttling ?? null)) ops.push(...throttlingOps(before.stage.throttling));
    if (ops.length) {
      ctx.progress(`gateway: stage ${stageName} back on deployment ${before.stage.deploymentId}`);
      await client.send(new sdk.UpdateStageCommand({ restApiId: apiId, stageName, patchOperations: ops }));
      restored.push(`gateway: stage ${stageName} back on deployment ${before.stage.deploymentId}${before.stage.throttling ? '' : ' (account-default throttling)'}`);
    }
  } else if (live.stage) {
    await client.send(new sdk.DeleteStageCommand({ restApiId: apiId, stageName }));
    restored.push(`gateway: deleted stage ${stageName} (the release created it)`);
  }
  for (const deploymentId of releaseDeployments) {
    try {
      await client.send(new sdk.DeleteDeploymentCommand({ restApiId: apiId, deploymentId }));
      restored.push(`gateway: deleted deployment ${deploymentId} of the release`);
    } catch (err) {
      if (!isAwsError(err, 'BadRequestException', 'ConflictException', 'NotFoundException')) throw err;
      kept.push(`gateway: deployment ${deploymentId} (another stage still uses it)`);
    }
  }

  const { RemovePermissionCommand } = await import('@aws-sdk/client-lambda');
  for (const [fn, now] of Object.entries(live.permissions)) {
    if (!now || before.permissions[fn]) continue;
    try {
      await lambda.send(new RemovePermissionCommand({ FunctionName: functions[fn]!, Qualifier: ctx.names.alias, StatementId: permissionSid(apiId) }));
      restored.push(`gateway: removed API Gateway permission on ${functions[fn]}:${ctx.names.alias}`);
    } catch (err) {
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    }
  }
  if (!before.apiId) kept.push(`gateway: REST API ${before.apiName} (${apiId}) created by the release, now without routes`);
  return { restored, ...(kept.length ? { kept } : {}) };
}
