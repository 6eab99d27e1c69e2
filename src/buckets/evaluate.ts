import { asPolicy, type PolicyDoc, type PolicyStatement } from './policy-doc.js';

/**
 * A small IAM policy evaluator for the sandbox, where moto has no SimulatePrincipalPolicy (DESIGN.md), and for bucket
 * policies on every stage: explicit Deny wins over Allow, no Allow is an implicit deny. Action/NotAction
 * (case-insensitive) and Resource/NotResource (case-sensitive) with * and ? wildcards; conditions with the String* and Bool operators
 * (IfExists suffix too) against the request's context keys. A condition operator it does not know never matches,
 * so an Allow that depends on one is not counted (the check errs on the side of failing), but neither is a Deny that
 * depends on one (NotIpAddress, NumericLessThan s3:TlsVersion): there it errs on the side of passing.
 */
export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface EvalRequest {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

function globToRegExp(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** True when `value` matches the IAM wildcard pattern (* any run, ? one character). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return globToRegExp(pattern, ignoreCase ? 'i' : '').test(value);
}

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

function matchesAction(s: PolicyStatement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((p) => wildcardMatch(p, action, true));
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => wildcardMatch(p, action, true));
  return false;
}

function matchesResource(s: PolicyStatement, resource: string): boolean {
  if (s.Resource !== undefined) return list(s.Resource).some((p) => wildcardMatch(p, resource));
  if (s.NotResource !== undefined) return !list(s.NotResource).some((p) => wildcardMatch(p, resource));
  return false;
}

const OPERATORS: Record<string, { test: (pattern: string, value: string) => boolean; negated: boolean }> = {
  StringEquals: { test: (p, v) => p === v, negated: false },
  StringNotEquals: { test: (p, v) => p === v, negated: true },
  StringEqualsIgnoreCase: { test: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: true },
  StringLike: { test: (p, v) => wildcardMatch(p, v), negated: false },
  StringNotLike: { test: (p, v) => wildcardMatch(p, v), negated: true },
  Bool: { test: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
};

function matchesCondition(s: PolicyStatement, context: Record<string, string>): boolean {
  for (const [rawOp, keys] of Object.entries(s.Condition ?? {})) {
    const ifExists = rawOp.endsWith('IfExists');
    const op = OPERATORS[rawOp.replace(/IfExists$/, '')];
    if (!op) return false;
    for (const [key, patterns] of Object.entries(keys ?? {})) {
      const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      // A key missing from the request: IfExists and negated operators match, the others do not (IAM semantics).
      if (value === undefined) {
        if (ifExists || op.negated) continue;
        return false;
      }
      const hit = list(patterns).some((p) => op.test(p, value));
      if (op.negated ? hit : !hit) return false;
    }
  }
  return true;
}

/** Evaluates one request against identity-based policies. */
export function evaluate(policies: ReadonlyArray<PolicyDoc>, req: EvalRequest): Decision {
  let allowed = false;
  for (const doc of policies) {
    for (const s of asPolicy(doc).Statement) {
      if (!matchesAction(s, req.action) || !matchesResource(s, req.resource) || !matchesCondition(s, req.context ?? {})) continue;
      if (s.Effect === 'Deny') return 'explicitDeny';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allowed' : 'implicitDeny';
}

const principalList = (p: unknown): string[] | '*' => {
  if (p === '*') return '*';
  const aws = (p as { AWS?: unknown } | undefined)?.AWS;
  if (aws === undefined) return []; // Service / Federated principals: never an execution role
  const l = list(aws);
  return l.includes('*') ? '*' : l;
};

/**
 * The statements of a resource-based policy (a bucket policy) that apply to an execution role of the same account.
 * An Allow applies only when it names the role itself or everyone: one naming the account (root) delegates to the
 * role's identity policies and grants nothing by itself. A Deny applies when it names the role, the account or
 * everyone; NotPrincipal applies to every principal it does not name.
 */
export function statementsFor(doc: PolicyDoc, roleArn: string, account: string): PolicyDoc {
  const names = (l: string[], withAccount: boolean) => l.includes(roleArn) || (withAccount && (l.includes(account) || l.includes(`arn:aws:iam::${account}:root`)));
  const applies = (s: PolicyStatement) => {
    if (s.NotPrincipal !== undefined) {
      const l = principalList(s.NotPrincipal);
      return l !== '*' && !names(l, true);
    }
    const l = principalList(s.Principal);
    return l === '*' || names(l, s.Effect === 'Deny');
  };
  return { Statement: asPolicy(doc).Statement.filter(applies) };
}

/**
 * Same-account access: allowed when the identity policies or the resource policy allow it and neither denies it
 * explicitly. `identity` is the identity-based decision (turnctl's evaluation, or IAM's simulation on AWS stages).
 */
export function combineWithResourcePolicy(identity: Decision, resource: Decision): Decision {
  if (identity === 'explicitDeny' || resource === 'explicitDeny') return 'explicitDeny';
  return identity === 'allowed' || resource === 'allowed' ? 'allowed' : 'implicitDeny';
}
