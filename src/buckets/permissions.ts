import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { isAwsError } from '../errors.js';
import { grantRequests, type Grant, type GrantRequest } from './desired.js';
import { evaluate, type Decision } from './evaluate.js';
import { GRANTS_POLICY } from './names.js';
import { parsePolicyText, type PolicyDoc } from './policy-doc.js';

/** Whether one declared grant is in effect for its function's role. */
export interface GrantVerdict {
  grant: Grant;
  ok: boolean;
  detail: string;
}

/** The identity-based policies of a role, read back from IAM. */
export interface RolePolicies {
  exists: boolean;
  arn?: string;
  inline: Record<string, PolicyDoc>;
  attached: PolicyDoc[];
  boundary: PolicyDoc | null;
}

async function managedPolicyDocument(ctx: Ctx, arn: string): Promise<PolicyDoc> {
  const iamm = await import('@aws-sdk/client-iam');
  const iam = await ctx.aws.iam();
  const p = await iam.send(new iamm.GetPolicyCommand({ PolicyArn: arn }));
  const v = await iam.send(new iamm.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy!.DefaultVersionId! }));
  return parsePolicyText(v.PolicyVersion!.Document!);
}

/** Reads a role's inline and attached policies and its permissions boundary (all pages). */
export async function readRolePolicies(ctx: Ctx, role: string): Promise<RolePolicies> {
  const iamm = await import('@aws-sdk/client-iam');
  const iam = await ctx.aws.iam();
  let arn: string | undefined;
  let boundaryArn: string | undefined;
  try {
    const r = await iam.send(new iamm.GetRoleCommand({ RoleName: role }));
    arn = r.Role?.Arn;
    boundaryArn = r.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) return { exists: false, inline: {}, attached: [], boundary: null };
    throw err;
  }
  const inline: Record<string, PolicyDoc> = {};
  for await (const page of iamm.paginateListRolePolicies({ client: iam }, { RoleName: role }))
    for (const name of page.PolicyNames ?? []) {
      const res = await iam.send(new iamm.GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
      inline[name] = parsePolicyText(res.PolicyDocument!);
    }
  const attached: PolicyDoc[] = [];
  for await (const page of iamm.paginateListAttachedRolePolicies({ client: iam }, { RoleName: role }))
    for (const p of page.AttachedPolicies ?? []) attached.push(await managedPolicyDocument(ctx, p.PolicyArn!));
  return { exists: true, arn, inline, attached, boundary: boundaryArn ? await managedPolicyDocument(ctx, boundaryArn) : null };
}

const describeDecision = (d: string) => (d === 'explicitDeny' ? 'explicitly denied' : 'not allowed by any statement');

function verdict(grant: Grant, role: string, failures: Array<{ req: GrantRequest; decision: string }>, note = ''): GrantVerdict {
  if (failures.length === 0) return { grant, ok: true, detail: `in effect for role ${role}${note}` };
  const what = failures.map((f) => `${f.req.action} on ${f.req.resource}${Object.keys(f.req.context).length ? ` (${Object.entries(f.req.context).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''} is ${describeDecision(f.decision)}`);
  return { grant, ok: false, detail: `grant ${grant.label} (${grant.where}) is not in effect for role ${role}${note}: ${what.join('; ')}; apply the release or fix the role's policies` };
}

/**
 * Sandbox path: moto has no SimulatePrincipalPolicy, so the role's inline + attached policy documents (and its
 * permissions boundary) are read back from IAM and evaluated by turnctl's own evaluator (src/buckets/evaluate.ts).
 */
async function verifyLocally(ctx: Ctx, role: string, grants: Grant[], planned: PolicyDoc | null | undefined): Promise<GrantVerdict[]> {
  const live = await readRolePolicies(ctx, role);
  if (!live.exists && planned === undefined) return grants.map((g) => ({ grant: g, ok: false, detail: `grant ${g.label} (${g.where}): role ${role} does not exist; deploy function ${g.function} first` }));
  const inline = { ...live.inline };
  if (planned !== undefined) {
    if (planned) inline[GRANTS_POLICY] = planned;
    else delete inline[GRANTS_POLICY];
  }
  const docs = [...Object.values(inline), ...live.attached];
  const note = planned !== undefined ? ' (with the policy this release applies)' : '';
  return grants.map((g) => {
    const failures = grantRequests(g)
      .map((req) => {
        let decision: Decision = evaluate(docs, req);
        if (decision === 'allowed' && live.boundary && evaluate([live.boundary], req) !== 'allowed') decision = 'implicitDeny';
        return { req, decision };
      })
      .filter((f) => f.decision !== 'allowed');
    return verdict(g, role, failures, note);
  });
}

/** AWS path: IAM policy simulation of the role (plus the policy this release applies, when it changes it). */
async function verifySimulated(ctx: Ctx, role: string, grants: Grant[], planned: PolicyDoc | null | undefined): Promise<GrantVerdict[]> {
  const iamm = await import('@aws-sdk/client-iam');
  const iam = await ctx.aws.iam();
  let arn: string | undefined;
  try {
    arn = (await iam.send(new iamm.GetRoleCommand({ RoleName: role }))).Role?.Arn;
  } catch (err) {
    if (!isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) throw err;
  }
  if (!arn && !planned) return grants.map((g) => ({ grant: g, ok: false, detail: `grant ${g.label} (${g.where}): role ${role} does not exist; deploy function ${g.function} first` }));
  const note = planned ? ' (with the policy this release applies)' : '';
  return mapLimit(grants, ctx.concurrency, async (g) => {
    const failures: Array<{ req: GrantRequest; decision: string }> = [];
    for (const req of grantRequests(g)) {
      const common = {
        ActionNames: [req.action],
        ResourceArns: [req.resource],
        ContextEntries: Object.entries(req.context).map(([k, v]) => ({ ContextKeyName: k, ContextKeyValues: [v], ContextKeyType: 'string' as const })),
      };
      const res = arn
        ? await iam.send(new iamm.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ...common, ...(planned ? { PolicyInputList: [JSON.stringify(planned)] } : {}) }))
        : await iam.send(new iamm.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(planned)], ...common }));
      const decision = res.EvaluationResults?.[0]?.EvalDecision ?? 'implicitDeny';
      if (decision !== 'allowed') failures.push({ req, decision });
    }
    return verdict(g, role, failures, note);
  });
}

/**
 * Checks that every grant is in effect for its role. `planned` maps a role to the grants policy the release is about
 * to put (null: remove); such a role is checked with that policy in place of its live one.
 */
export async function verifyGrants(ctx: Ctx, grants: Grant[], planned: ReadonlyMap<string, PolicyDoc | null> = new Map()): Promise<GrantVerdict[]> {
  const byRole = new Map<string, Grant[]>();
  for (const g of grants) byRole.set(g.role, [...(byRole.get(g.role) ?? []), g]);
  const verify = ctx.stage.sandbox ? verifyLocally : verifySimulated;
  const results = await mapLimit([...byRole], ctx.concurrency, ([role, list]) => verify(ctx, role, list, planned.has(role) ? planned.get(role) : undefined));
  return results.flat();
}
