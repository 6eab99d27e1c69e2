import type { Ctx } from '../context.js';
import { readRoles } from '../aws/iam-roles.js';
import { isAwsError } from '../errors.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^*]*\/)?([\w+=,.@-]{1,64})$/;

/**
 * Execution roles given as ARNs (`functions.<fn>.role`) are the user's: turnctl never creates them. One of the stage's
 * account that does not exist failed the apply half-way (Lambda refuses the function's configuration; the buckets step
 * puts its inline policy on it: NoSuchEntity); it is refused when planning, at its line. The roles are read with the
 * plan's other IAM reads (shared within the read phase). A role of another account cannot be looked up, nor one the
 * caller may not read (iam:GetRole denied): left to AWS.
 */
export async function refuseMissingGivenRoles(ctx: Ctx, fns: readonly string[]): Promise<void> {
  const given: Array<{ fn: string; arn: string; role: string }> = [];
  for (const fn of fns) {
    const arn = ctx.stack.functions[fn]?.role;
    if (!arn?.startsWith('arn:')) continue;
    const m = ROLE_ARN.exec(arn);
    if (!m) throw ctx.project.file.error(['functions', fn, 'role'], `"${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>); give the role's ARN or a role name`);
    if (m[1] === ctx.stage.account) given.push({ fn, arn, role: m[2]! });
  }
  if (given.length === 0) return;
  let facts: Awaited<ReturnType<typeof readRoles>>;
  try {
    facts = await readRoles(ctx, given.map((g) => g.role), []);
  } catch (err) {
    // A deploy role scoped to turnctl's own roles may not read the user's: the check is a courtesy, not a requirement.
    if (isAwsError(err, 'AccessDenied', 'AccessDeniedException')) return;
    throw err;
  }
  const missing = given.find((g) => !facts.get(g.role)?.exists);
  if (missing)
    throw ctx.project.file.error(
      ['functions', missing.fn, 'role'],
      `role ${missing.role} (${missing.arn}) does not exist in account ${ctx.stage.account}; turnctl creates only the roles it names, not one given as an ARN — create it, or give a role name (or none) to have turnctl create it`,
    );
}
