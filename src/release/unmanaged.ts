import type { Ctx } from '../context.js';

/**
 * Functions on the stage (named `<project>-<stage>-…`) that turnctl.yaml does not declare. turnctl neither updates
 * nor deletes a function it no longer knows — deleting one takes its versions with it — so the plan names them
 * instead of staying silent about them. Read-only.
 */
export async function unmanagedFunctions(ctx: Ctx): Promise<string[]> {
  const { paginateListFunctions } = await import('@aws-sdk/client-lambda');
  const declared = new Set(Object.keys(ctx.stack.functions).map((fn) => ctx.names.fn(fn)));
  const prefix = ctx.names.fn('');
  const found: string[] = [];
  for await (const page of paginateListFunctions({ client: await ctx.aws.lambda() }, {}))
    for (const f of page.Functions ?? []) if (f.FunctionName?.startsWith(prefix) && !declared.has(f.FunctionName)) found.push(f.FunctionName);
  return found.sort();
}

/** The plan's warning for functions turnctl.yaml no longer declares (none: no warning). */
export function unmanagedWarning(names: readonly string[]): string[] {
  if (names.length === 0) return [];
  return [`not in turnctl.yaml, left as they are: function(s) ${names.join(', ')} — declare them again, or delete them (aws lambda delete-function) once nothing routes to them`];
}
