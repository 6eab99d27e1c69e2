import type { Ctx } from '../context.js';
import type { GatewayDesired } from './config.js';
import { findApiId } from './read.js';

/** The invoke URL of a REST API stage. */
export const stageUrl = (apiId: string, region: string, stageName: string) =>
  `https://${apiId}.execute-api.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/${stageName}`;

/** The stage's base URL on AWS, or null when the API does not exist yet. */
export async function stageBaseUrl(ctx: Ctx, desired: GatewayDesired): Promise<string | null> {
  const apiId = await findApiId(await ctx.aws.apigw(), desired.apiName);
  return apiId ? stageUrl(apiId, desired.region, desired.stageName) : null;
}

/** One HTTPS request with a timeout; the status, lower-cased headers and body text. */
export async function httpRequest(url: string, init: { method: string; headers?: Record<string, string>; timeoutMs?: number }): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const res = await fetch(url, { method: init.method, headers: init.headers, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000), redirect: 'manual' });
  const body = await res.text();
  return { status: res.status, headers: Object.fromEntries([...res.headers.entries()].map(([k, v]) => [k.toLowerCase(), v])), body };
}
