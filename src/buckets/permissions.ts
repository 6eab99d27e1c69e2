import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { isAwsError } from '../errors.js';
import { grantRequests, type Grant, type GrantRequest } from './desired.js';
import { combineWithResourcePolicy, evaluate, statementsFor, type Decision } from './evaluate.js';
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

/** What stops a request whatever the bucket policy allows: the role's permissions boundary, or an SCP of the organization. */
type Limit = 'boundary' | 'scp';

const describeDecision = (d: string, limit?: Limit) =>
  limit === 'scp'
    ? `${d === 'explicitDeny' ? 'explicitly denied' : 'not allowed'} by a service control policy of the organization`
    : limit === 'boundary'
      ? `${d === 'explicitDeny' ? 'explicitly denied' : 'not allowed'} by the role's permissions boundary`
      : d === 'explicitDeny'
        ? 'explicitly denied'
        : 'not allowed by any statement';

/** One request of a grant with IAM's decision, and whether the bucket policy is what denies it. */
interface Failure {
  req: GrantRequest;
  decision: string;
  byBucketPolicy: boolean;
  limit?: Limit;
}

function verdict(grant: Grant, role: string, failures: Failure[], note = ''): GrantVerdict {
  if (failures.length === 0) return { grant, ok: true, detail: `in effect for role ${role}${note}` };
  const what = failures.map(
    (f) =>
      `${f.req.action} on ${f.req.resource}${Object.keys(f.req.context).length ? ` (${Object.entries(f.req.context).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''} is ${describeDecision(f.decision, f.limit)}${f.byBucketPolicy ? ` by the bucket policy of ${grant.bucket}` : ''}`,
  );
  const fix = failures.some((f) => f.limit === 'scp')
    ? "an SCP is not turnctl's to change: ask the organization's administrators, or drop the grant"
    : failures.some((f) => f.limit === 'boundary')
      ? "widen the role's permissions boundary (or drop the grant)"
      : failures.some((f) => f.byBucketPolicy)
        ? "fix the bucket's policy"
        : "apply the release or fix the role's policies";
  return { grant, ok: false, detail: `grant ${grant.label} (${grant.where}) is not in effect for role ${role}${note}: ${what.join('; ')}; ${fix}` };
}

/**
 * What a function's S3 call carries besides the grant's own keys: the SDK in Lambda speaks HTTPS, as the role.
 * (A bucket policy denying non-TLS requests, the usual guard, must not fail the check.)
 */
function callContext(req: GrantRequest, roleArn: string, account: string): Record<string, string> {
  return { ...req.context, 'aws:SecureTransport': 'true', 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': account };
}

const roleArnOf = (ctx: Ctx, role: string) => `arn:aws:iam::${ctx.stage.account}:role/${role}`;

/** The bucket policy's decision for a request of the role (implicitDeny when there is no policy). */
function bucketDecision(bucketPolicy: PolicyDoc | null, roleArn: string, account: string, req: GrantRequest): Decision {
  if (!bucketPolicy) return 'implicitDeny';
  return evaluate([statementsFor(bucketPolicy, roleArn, account)], { action: req.action, resource: req.resource, context: callContext(req, roleArn, account) });
}

/**
 * The combined decision of the role's identity policies and the bucket policy. A bucket policy's Allow makes up for
 * identity policies that say nothing, but not for a permissions boundary that does not allow the request (a
 * resource policy naming the role's ARN is limited by the boundary's implicit deny) nor for an SCP (AWS IAM User
 * Guide, policy evaluation within a single account).
 */
function failureOf(req: GrantRequest, identity: Decision, resource: Decision, limit?: Limit): Failure | undefined {
  if (limit && identity !== 'allowed') return { req, decision: identity === 'explicitDeny' || resource === 'explicitDeny' ? 'explicitDeny' : 'implicitDeny', byBucketPolicy: false, limit };
  const decision = combineWithResourcePolicy(identity, resource);
  if (decision === 'allowed') return undefined;
  return { req, decision, byBucketPolicy: resource === 'explicitDeny' && identity !== 'explicitDeny' };
}

/**
 * Sandbox path: moto has no SimulatePrincipalPolicy, so the role's inline + attached policy documents (and its
 * permissions boundary) are read back from IAM and evaluated by turnctl's own evaluator (src/buckets/evaluate.ts).
 */
async function verifyLocally(ctx: Ctx, role: string, grants: Grant[], planned: PolicyDoc | null | undefined, bucketPolicies: ReadonlyMap<string, PolicyDoc | null>): Promise<GrantVerdict[]> {
  const live = await readRolePolicies(ctx, role);
  if (!live.exists && planned === undefined) return grants.map((g) => ({ grant: g, ok: false, detail: `grant ${g.label} (${g.where}): role ${role} does not exist; deploy function ${g.function} first` }));
  const inline = { ...live.inline };
  if (planned !== undefined) {
    if (planned) inline[GRANTS_POLICY] = planned;
    else delete inline[GRANTS_POLICY];
  }
  const docs = [...Object.values(inline), ...live.attached];
  const note = planned !== undefined ? ' (with the policy this release applies)' : '';
  const arn = live.arn ?? roleArnOf(ctx, role);
  const account = ctx.stage.account;
  return grants.map((g) => {
    const failures = grantRequests(g).flatMap((req) => {
      const request = { action: req.action, resource: req.resource, context: callContext(req, arn, account) };
      const identity: Decision = evaluate(docs, request);
      const boundary = live.boundary ? evaluate([live.boundary], request) : 'allowed';
      if (boundary !== 'allowed') return failureOf(req, boundary === 'explicitDeny' ? 'explicitDeny' : 'implicitDeny', bucketDecision(bucketPolicies.get(g.bucket) ?? null, arn, account, req), 'boundary') ?? [];
      return failureOf(req, identity, bucketDecision(bucketPolicies.get(g.bucket) ?? null, arn, account, req)) ?? [];
    });
    return verdict(g, role, failures, note);
  });
}

/**
 * AWS path: IAM policy simulation of the role's identity policies (plus the policy this release applies, when it
 * changes it), combined with turnctl's evaluation of the bucket policy. IAM can simulate a resource policy too, but
 * only with an IAM *user* as the caller (CallerArn), which an execution role is not.
 */
async function verifySimulated(ctx: Ctx, role: string, grants: Grant[], planned: PolicyDoc | null | undefined, bucketPolicies: ReadonlyMap<string, PolicyDoc | null>): Promise<GrantVerdict[]> {
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
  const account = ctx.stage.account;
  const roleArn = arn ?? roleArnOf(ctx, role);
  return mapLimit(grants, ctx.concurrency, async (g) => {
    const failures: Failure[] = [];
    for (const req of grantRequests(g)) {
      const common = {
        ActionNames: [req.action],
        ResourceArns: [req.resource],
        ContextEntries: [
          ...Object.entries(req.context).map(([k, v]) => ({ ContextKeyName: k, ContextKeyValues: [v], ContextKeyType: 'string' as const })),
          { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' as const },
        ],
      };
      const res = arn
        ? await iam.send(new iamm.SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ...common, ...(planned ? { PolicyInputList: [JSON.stringify(planned)] } : {}) }))
        : await iam.send(new iamm.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(planned)], ...common }));
      const result = res.EvaluationResults?.[0];
      const identity = (result?.EvalDecision ?? 'implicitDeny') as Decision;
      // The simulation includes the role's permissions boundary and, in an organization, its SCPs; an implicitDeny
      // from either is not "no statement allows it", and the bucket policy cannot make up for it.
      const limit: Limit | undefined =
        result?.OrganizationsDecisionDetail?.AllowedByOrganizations === false ? 'scp' : result?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false ? 'boundary' : undefined;
      const failure = failureOf(req, identity === 'allowed' || identity === 'explicitDeny' ? identity : 'implicitDeny', bucketDecision(bucketPolicies.get(g.bucket) ?? null, roleArn, account, req), limit);
      if (failure) failures.push(failure);
    }
    return verdict(g, role, failures, note);
  });
}

/** The policy of each bucket: the one the release puts where it changes it (null: removed), else the live one. */
async function readBucketPolicies(ctx: Ctx, buckets: string[], planned: ReadonlyMap<string, PolicyDoc | null>): Promise<Map<string, PolicyDoc | null>> {
  const s3m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const rows = await mapLimit([...new Set(buckets)], ctx.concurrency, async (Bucket) => {
    if (planned.has(Bucket)) return [Bucket, planned.get(Bucket)!] as const;
    try {
      const res = await s3.send(new s3m.GetBucketPolicyCommand({ Bucket }));
      return [Bucket, res.Policy ? parsePolicyText(res.Policy) : null] as const;
    } catch (err) {
      if (isAwsError(err, 'NoSuchBucketPolicy', 'NoSuchBucket')) return [Bucket, null] as const;
      throw err;
    }
  });
  return new Map(rows);
}

/** The policies a release is about to put: grants policies by role, bucket policies by bucket (null = removed). */
export interface PlannedPolicies {
  roles: ReadonlyMap<string, PolicyDoc | null>;
  buckets: ReadonlyMap<string, PolicyDoc | null>;
}

/**
 * Checks that every grant is in effect for its role: its identity policies and the bucket's policy together. A role
 * or bucket whose policy the release changes is checked with the planned policy in place of its live one.
 */
export async function verifyGrants(ctx: Ctx, grants: Grant[], planned: PlannedPolicies = { roles: new Map(), buckets: new Map() }): Promise<GrantVerdict[]> {
  const byRole = new Map<string, Grant[]>();
  for (const g of grants) byRole.set(g.role, [...(byRole.get(g.role) ?? []), g]);
  const bucketPolicies = await readBucketPolicies(ctx, grants.map((g) => g.bucket), planned.buckets);
  const verify = ctx.stage.sandbox ? verifyLocally : verifySimulated;
  const results = await mapLimit([...byRole], ctx.concurrency, ([role, list]) => verify(ctx, role, list, planned.roles.has(role) ? planned.roles.get(role) : undefined, bucketPolicies));
  return results.flat();
}
