import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { Ctx } from '../context.js';
import { isAwsError } from '../errors.js';

/** A function's configuration at a qualifier ($LATEST when omitted, or `live`, or a version); null when missing. */
export async function getFunctionConfig(ctx: Ctx, functionName: string, qualifier?: string): Promise<FunctionConfiguration | null> {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  try {
    return await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

const WAIT = { maxWaitTime: 300, minDelay: 1, maxDelay: 5 };

/** Waits with the SDK's waiter until the last update of $LATEST finished (LastUpdateStatus). */
export async function waitUpdated(lambda: LambdaClient, functionName: string): Promise<void> {
  const { waitUntilFunctionUpdatedV2 } = await import('@aws-sdk/client-lambda');
  await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: functionName });
}

/** Waits with the SDK's waiter until a new function is Active. */
export async function waitActive(lambda: LambdaClient, functionName: string): Promise<void> {
  const { waitUntilFunctionActiveV2 } = await import('@aws-sdk/client-lambda');
  await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: functionName });
}

/** Publishes $LATEST as a new version (guarded by its CodeSha256) and points the alias at it; returns the version. */
export async function publishAndPoint(ctx: Ctx, functionName: string, codeSha256: string | undefined, description?: string): Promise<string> {
  const l = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  const published = await lambda.send(new l.PublishVersionCommand({ FunctionName: functionName, CodeSha256: codeSha256, Description: description }));
  const version = published.Version!;
  await pointAlias(ctx, functionName, version);
  return version;
}

/** Points the `live` alias at a version (creating the alias when missing). */
export async function pointAlias(ctx: Ctx, functionName: string, version: string): Promise<void> {
  const l = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  try {
    await lambda.send(new l.UpdateAliasCommand({ FunctionName: functionName, Name: ctx.names.alias, FunctionVersion: version }));
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    await lambda.send(new l.CreateAliasCommand({ FunctionName: functionName, Name: ctx.names.alias, FunctionVersion: version }));
  }
}
