import { answeringProxy } from '../helpers/forward.js';

/**
 * A loopback proxy in front of the sandbox that refuses the named Cognito operations (by X-Amz-Target) with a
 * non-retryable error, as AWS would answer a caller who lacks the permission, and forwards everything else. It lets a
 * test stop a command between two of its calls, which moto cannot be made to do.
 */
export async function refusingProxy(target: string, operations: readonly string[]): Promise<{ url: string; refused: string[]; close(): Promise<void> }> {
  const refused: string[] = [];
  const proxy = await answeringProxy(target, (req) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
    if (!operations.includes(op)) return undefined;
    refused.push(op);
    return {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'refusing-proxy' },
      body: JSON.stringify({ __type: 'InvalidParameterException', message: `refused ${op} (test proxy)` }),
    };
  });
  return { ...proxy, refused };
}
