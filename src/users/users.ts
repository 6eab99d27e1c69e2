import type { AttributeType, CognitoIdentityProviderClient, UserType } from '@aws-sdk/client-cognito-identity-provider';
import type { Ctx } from '../context.js';
import { failureLine, InvalidInputError, isAwsError, TurnctlError } from '../errors.js';
import { appendAudit, readyAudit } from '../state/audit.js';
import { ensurePool, findPool, openPool, poolConfig, type EnsureResult, type Pool } from './pool.js';
import { normaliseEmail, emailProblem, roleProblem, statusName, type StatusFilter, type UserSpec } from './validate.js';

/** A portal user as turnctl shows it (never a password). */
export interface PortalUser {
  email: string;
  /** Cognito's username (the user's sub in an email-username pool). */
  username: string;
  name?: string;
  phone?: string;
  /** Configured roles the user is in, highest first (normally exactly one). */
  roles: string[];
  /** Cognito UserStatus in kebab case (force-change-password, confirmed, reset-required, ...). */
  status: string;
  enabled: boolean;
  created?: string;
  modified?: string;
}

/** What a write did to one user. */
export type UserAction = 'created' | 'updated' | 'unchanged';

const attr = (attrs: AttributeType[] | undefined, name: string) => attrs?.find((a) => a.Name === name)?.Value;

function toPortalUser(u: { Username?: string; Attributes?: AttributeType[]; UserAttributes?: AttributeType[]; UserStatus?: string; Enabled?: boolean; UserCreateDate?: Date; UserLastModifiedDate?: Date }, roles: string[]): PortalUser {
  const attrs = u.Attributes ?? u.UserAttributes;
  const name = attr(attrs, 'name');
  const phone = attr(attrs, 'phone_number');
  return {
    email: attr(attrs, 'email') ?? u.Username ?? '',
    username: u.Username ?? '',
    ...(name ? { name } : {}),
    ...(phone ? { phone } : {}),
    roles,
    status: statusName(u.UserStatus),
    enabled: u.Enabled ?? true,
    ...(u.UserCreateDate ? { created: new Date(u.UserCreateDate).toISOString() } : {}),
    ...(u.UserLastModifiedDate ? { modified: new Date(u.UserLastModifiedDate).toISOString() } : {}),
  };
}

function checkEmail(email: string): string {
  const problem = emailProblem(email.trim());
  if (problem) throw new InvalidInputError(undefined, problem);
  return normaliseEmail(email);
}

function checkRole(ctx: Ctx, role: string): string {
  const problem = roleProblem(role.trim(), poolConfig(ctx).roles);
  if (problem) throw new InvalidInputError(undefined, problem);
  return role.trim();
}

/** The configured roles a user is in (all pages of AdminListGroupsForUser), highest first. */
async function rolesOf(pool: Pool, username: string): Promise<string[]> {
  const { AdminListGroupsForUserCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  const groups = new Set<string>();
  let NextToken: string | undefined;
  do {
    const res = await pool.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: pool.id, Username: username, Limit: 60, NextToken }));
    for (const g of res.Groups ?? []) if (g.GroupName) groups.add(g.GroupName);
    NextToken = res.NextToken;
  } while (NextToken);
  return pool.roles.filter((r) => groups.has(r));
}

/** One user by email, or undefined. */
export async function findUser(pool: Pool, email: string): Promise<PortalUser | undefined> {
  const { AdminGetUserCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  try {
    const u = await pool.cognito.send(new AdminGetUserCommand({ UserPoolId: pool.id, Username: email }));
    return toPortalUser(u, await rolesOf(pool, u.Username ?? email));
  } catch (err) {
    if (isAwsError(err, 'UserNotFoundException')) return undefined;
    throw err;
  }
}

async function requireUser(ctx: Ctx, pool: Pool, email: string): Promise<PortalUser> {
  const user = await findUser(pool, email);
  if (!user) throw new TurnctlError(`no user ${email} in pool ${pool.name} on stage ${ctx.stage.name}; check the address with: turnctl users list --stage ${ctx.stage.name}`);
  return user;
}

/** Puts the user in `role`'s group and out of the other configured role groups; true when something changed. */
async function assignRole(pool: Pool, user: PortalUser, role: string): Promise<boolean> {
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  let changed = false;
  // Add first, then remove: the user never has no role in between.
  if (!user.roles.includes(role)) {
    await pool.cognito.send(new cip.AdminAddUserToGroupCommand({ UserPoolId: pool.id, Username: user.email, GroupName: role }));
    changed = true;
  }
  for (const other of user.roles.filter((r) => r !== role)) {
    await pool.cognito.send(new cip.AdminRemoveUserFromGroupCommand({ UserPoolId: pool.id, Username: user.email, GroupName: other }));
    changed = true;
  }
  return changed;
}

/** The attribute updates that turn `live` into `spec` (name/phone only when given; nothing is ever unset). */
export function attributeChanges(spec: UserSpec, live: PortalUser | undefined): AttributeType[] {
  const out: AttributeType[] = [];
  if (spec.name !== undefined && spec.name !== live?.name) out.push({ Name: 'name', Value: spec.name });
  if (spec.phone !== undefined && spec.phone !== live?.phone) out.push({ Name: 'phone_number', Value: spec.phone });
  return out;
}

/** What writing `spec` would do given the live user (pure): create, update (with the fields) or nothing. */
export function planUser(spec: UserSpec, live: PortalUser | undefined): { action: UserAction; fields: string[] } {
  if (!live) return { action: 'created', fields: ['email', ...(spec.name ? ['name'] : []), ...(spec.phone ? ['phone'] : []), 'role'] };
  const fields = attributeChanges(spec, live).map((a) => (a.Name === 'phone_number' ? 'phone' : a.Name!));
  if (live.roles.length !== 1 || live.roles[0] !== spec.role) fields.push('role');
  return { action: fields.length ? 'updated' : 'unchanged', fields };
}

/** Options of writing one user. */
export interface WriteUserOptions {
  /** Change an existing user instead of refusing. */
  update?: boolean;
  /** Do not send the invitation (MessageAction SUPPRESS). */
  suppressInvite?: boolean;
  /** Extra audit details (e.g. the import file). */
  audit?: Record<string, unknown>;
}

/**
 * Creates the user (verified email; Cognito generates and emails the temporary password, which turnctl never sees)
 * and puts it in its role's group, or — with `update` — brings an existing user to `spec`. Audited.
 */
export async function writeUser(ctx: Ctx, pool: Pool, spec: UserSpec, opts: WriteUserOptions = {}): Promise<{ action: UserAction; fields: string[]; user: PortalUser }> {
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  const live = await findUser(pool, spec.email);
  const plan = planUser(spec, live);
  if (live && !opts.update)
    throw new TurnctlError(
      `user ${spec.email} already exists on stage ${ctx.stage.name} (${plan.action === 'unchanged' ? 'with these values' : `differs in: ${plan.fields.join(', ')}`}); pass --update to change it`,
    );
  if (plan.action !== 'unchanged') await readyAudit(ctx);
  if (!live) {
    await pool.cognito.send(
      new cip.AdminCreateUserCommand({
        UserPoolId: pool.id,
        Username: spec.email,
        UserAttributes: [{ Name: 'email', Value: spec.email }, { Name: 'email_verified', Value: 'true' }, ...attributeChanges(spec, undefined)],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(opts.suppressInvite ? { MessageAction: 'SUPPRESS' as const } : {}),
      }),
    );
    // The user exists from here on: audit it before the role, so a failed group call cannot leave an unlogged user.
    await appendAudit(ctx, { area: 'users', action: 'create', target: spec.email, details: { role: spec.role, invite: opts.suppressInvite ? 'suppressed' : 'sent', ...opts.audit } });
    const created: PortalUser = { email: spec.email, username: spec.email, roles: [], status: 'force-change-password', enabled: true };
    try {
      await assignRole(pool, created, spec.role);
    } catch (err) {
      throw new TurnctlError(`created ${spec.email} but could not put it in role ${spec.role} (${failureLine(err)}); finish with: turnctl users set-role ${spec.email} ${spec.role} --stage ${ctx.stage.name}`, { cause: err });
    }
  } else if (plan.action === 'updated') {
    const attrs = attributeChanges(spec, live);
    if (attrs.length) await pool.cognito.send(new cip.AdminUpdateUserAttributesCommand({ UserPoolId: pool.id, Username: spec.email, UserAttributes: attrs }));
    await assignRole(pool, live, spec.role);
    await appendAudit(ctx, { area: 'users', action: 'update', target: spec.email, details: { changed: plan.fields, role: spec.role, ...opts.audit } });
  }
  return { ...plan, user: (await findUser(pool, spec.email))! };
}

/** `users add`: creates the pool and groups where missing, then writes the user. */
export async function addUser(ctx: Ctx, spec: UserSpec, opts: WriteUserOptions = {}) {
  const pool = await ensurePoolAudited(ctx);
  return writeUser(ctx, pool, spec, opts);
}

/** ensurePool, with the creation of the pool and of each group, and precedence changes, audited. */
export async function ensurePoolAudited(ctx: Ctx): Promise<Pool> {
  return (await initPool(ctx)).pool;
}

/** `users init`: ensurePool, with the creation of the pool and of each group, and precedence changes, audited. */
export async function initPool(ctx: Ctx): Promise<EnsureResult> {
  await readyAudit(ctx);
  const res = await ensurePool(ctx);
  if (res.createdPool) await appendAudit(ctx, { area: 'users', action: 'create-pool', target: res.pool.name, details: { id: res.pool.id } });
  if (res.createdGroups.length) await appendAudit(ctx, { area: 'users', action: 'create-groups', target: res.pool.name, details: { groups: res.createdGroups } });
  if (res.reorderedGroups.length) await appendAudit(ctx, { area: 'users', action: 'set-group-precedence', target: res.pool.name, details: { groups: res.reorderedGroups } });
  return res;
}

/** What `users list` / `users export` read: the pool's name, whether it exists, and its users. */
export interface UserListing {
  pool: string;
  exists: boolean;
  users: PortalUser[];
}

/**
 * Every user of the pool (all pages), with its roles; filtered by role and status. A stage without the pool has no
 * users (`exists: false`): listing creates nothing.
 */
export async function listUsers(ctx: Ctx, filter: { role?: string; status?: StatusFilter } = {}): Promise<UserListing> {
  const role = filter.role === undefined ? undefined : checkRole(ctx, filter.role);
  const pool = await findPool(ctx);
  if (!pool) return { pool: poolConfig(ctx).name, exists: false, users: [] };
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  const users: UserType[] = [];
  let PaginationToken: string | undefined;
  do {
    const res = await pool.cognito.send(new cip.ListUsersCommand({ UserPoolId: pool.id, Limit: 60, PaginationToken }));
    users.push(...(res.Users ?? []));
    PaginationToken = res.PaginationToken;
  } while (PaginationToken);
  const rolesByUser = await roleMembers(pool.cognito, pool);
  const listed = users
    .map((u) => toPortalUser(u, pool.roles.filter((r) => rolesByUser.get(r)?.has(u.Username!))))
    .filter((u) => !role || u.roles.includes(role))
    .filter((u) => !filter.status || matchesStatus(u, filter.status))
    .sort((a, b) => a.email.localeCompare(b.email));
  return { pool: pool.name, exists: true, users: listed };
}

function matchesStatus(u: PortalUser, status: StatusFilter): boolean {
  if (status === 'enabled') return u.enabled;
  if (status === 'disabled') return !u.enabled;
  return u.status === status;
}

/** Usernames in each role's group (all pages of ListUsersInGroup). */
async function roleMembers(cognito: CognitoIdentityProviderClient, pool: Pool): Promise<Map<string, Set<string>>> {
  const { ListUsersInGroupCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  const out = new Map<string, Set<string>>();
  for (const role of pool.roles) {
    const members = new Set<string>();
    let NextToken: string | undefined;
    try {
      do {
        const res = await cognito.send(new ListUsersInGroupCommand({ UserPoolId: pool.id, GroupName: role, Limit: 60, NextToken }));
        for (const u of res.Users ?? []) if (u.Username) members.add(u.Username);
        NextToken = res.NextToken;
      } while (NextToken);
    } catch (err) {
      // A role added to turnctl.yaml whose group was not created yet has no members.
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    }
    out.set(role, members);
  }
  return out;
}

/** True when the pool has a group named `name` (GetGroup; read only). */
async function groupExists(pool: Pool, name: string): Promise<boolean> {
  const { GetGroupCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  try {
    await pool.cognito.send(new GetGroupCommand({ UserPoolId: pool.id, GroupName: name }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return false;
    throw err;
  }
}

/** `users show`. */
export async function showUser(ctx: Ctx, email: string): Promise<PortalUser> {
  const e = checkEmail(email);
  return requireUser(ctx, await openPool(ctx), e);
}

/**
 * `users set-role`: moves the user to one role. Creates neither the pool nor a group: a role added to users.roles
 * after the pool was made needs `users init` (or a `users add`) first, and the error says so.
 */
export async function setRole(ctx: Ctx, email: string, role: string): Promise<{ changed: boolean; user: PortalUser }> {
  const e = checkEmail(email);
  const r = checkRole(ctx, role);
  const pool = await openPool(ctx);
  const user = await requireUser(ctx, pool, e);
  if (user.roles.length === 1 && user.roles[0] === r) return { changed: false, user };
  if (!user.roles.includes(r) && !(await groupExists(pool, r)))
    throw new TurnctlError(`role ${r} has no group in user pool "${pool.name}" on stage ${ctx.stage.name} yet; create it with: turnctl users init --stage ${ctx.stage.name}`);
  await readyAudit(ctx);
  await assignRole(pool, user, r);
  await appendAudit(ctx, { area: 'users', action: 'set-role', target: e, details: { from: user.roles, to: r } });
  return { changed: true, user: await requireUser(ctx, pool, e) };
}

/** `users disable` / `users enable`. */
export async function setEnabled(ctx: Ctx, email: string, enabled: boolean): Promise<{ changed: boolean; user: PortalUser }> {
  const e = checkEmail(email);
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  const pool = await openPool(ctx);
  const user = await requireUser(ctx, pool, e);
  if (user.enabled === enabled) return { changed: false, user };
  await readyAudit(ctx);
  // Disabling also ends the user's sessions: refresh tokens are revoked so a disabled user is out now, not in an hour.
  // Sign-out comes first: if it fails the user is still enabled, so running the command again redoes both and audits
  // it (the other way round a failed sign-out left a disabled user that a retry reports as "already disabled").
  // A session started between the two calls ends too: AdminDisableUser revokes access tokens and a disabled user's
  // refresh token is refused.
  if (!enabled) await pool.cognito.send(new cip.AdminUserGlobalSignOutCommand({ UserPoolId: pool.id, Username: e }));
  await pool.cognito.send(enabled ? new cip.AdminEnableUserCommand({ UserPoolId: pool.id, Username: e }) : new cip.AdminDisableUserCommand({ UserPoolId: pool.id, Username: e }));
  await appendAudit(ctx, { area: 'users', action: enabled ? 'enable' : 'disable', target: e });
  return { changed: true, user: await requireUser(ctx, pool, e) };
}

/** Validates an email and checks the user exists (before a confirmation prompt). */
export async function existingUser(ctx: Ctx, email: string): Promise<PortalUser> {
  const e = checkEmail(email);
  return requireUser(ctx, await openPool(ctx), e);
}

/** `users remove`: deletes the user. */
export async function removeUser(ctx: Ctx, email: string): Promise<PortalUser> {
  const e = checkEmail(email);
  const { AdminDeleteUserCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  const pool = await openPool(ctx);
  const user = await requireUser(ctx, pool, e);
  await readyAudit(ctx);
  await pool.cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool.id, Username: e }));
  await appendAudit(ctx, { area: 'users', action: 'remove', target: e, details: { roles: user.roles } });
  return user;
}

/** A disabled user's password is not reset (Cognito would send nothing usable); checked before the confirmation too. */
export function refuseResetOfDisabled(ctx: Ctx, user: PortalUser): void {
  if (!user.enabled) throw new TurnctlError(`user ${user.email} is disabled; enable it first: turnctl users enable ${user.email} --stage ${ctx.stage.name}`);
}

/**
 * `users reset-password`: a user who never signed in (force-change-password) gets a fresh invitation with a new
 * temporary password (AdminCreateUser RESEND; AdminResetUserPassword refuses that state on AWS); anyone else gets
 * AdminResetUserPassword (Cognito emails a code; the current password stops working). turnctl never sees a password.
 */
export async function resetPassword(ctx: Ctx, email: string): Promise<{ method: 'resend-invite' | 'reset'; user: PortalUser }> {
  const e = checkEmail(email);
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  const pool = await openPool(ctx);
  const user = await requireUser(ctx, pool, e);
  refuseResetOfDisabled(ctx, user);
  await readyAudit(ctx);
  let method: 'resend-invite' | 'reset';
  if (user.status === 'force-change-password') {
    await pool.cognito.send(new cip.AdminCreateUserCommand({ UserPoolId: pool.id, Username: e, MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] }));
    method = 'resend-invite';
  } else {
    await pool.cognito.send(new cip.AdminResetUserPasswordCommand({ UserPoolId: pool.id, Username: e }));
    method = 'reset';
  }
  await appendAudit(ctx, { area: 'users', action: 'reset-password', target: e, details: { method } });
  return { method, user: await requireUser(ctx, pool, e) };
}
