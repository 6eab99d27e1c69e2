import { Option, type Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode } from '../errors.js';
import { confirmOrRefuse, type Spinner } from '../io.js';
import { stageContext } from '../context.js';
import { loadProject } from '../config/load.js';
import { DEFAULT_ROLES } from '../config/sections/users.js';
import { InvalidInputError } from '../errors.js';
import { outputOption, printResult, progressLines, stageOption, table, writeResultFile, yesOption } from './common.js';
import type { PortalUser } from '../users/users.js';
import { csvCell } from '../users/csv.js';
import { emailProblem, roleProblem, STATUS_CHOICES, type StatusFilter } from '../users/validate.js';

function userLines(users: PortalUser[]): string[] {
  if (!users.length) return ['no users'];
  return table([['EMAIL', 'ROLE', 'STATUS', 'ENABLED', 'NAME'], ...users.map((u) => [u.email, u.roles.join(',') || '-', u.status, u.enabled ? 'yes' : 'no', u.name ?? ''])]);
}

function userDetail(u: PortalUser): string[] {
  return [
    `email:    ${u.email}`,
    `name:     ${u.name ?? '-'}`,
    `phone:    ${u.phone ?? '-'}`,
    `role:     ${u.roles.join(', ') || '-'}`,
    `status:   ${u.status}`,
    `enabled:  ${u.enabled ? 'yes' : 'no'}`,
    ...(u.created ? [`created:  ${u.created}`] : []),
  ];
}

/** Why a listing is empty on a stage that has no pool (stderr; stdout keeps the empty result, nothing is created). */
function noPoolNote(pool: string, stage: string): string {
  return `note: no user pool "${pool}" on stage ${stage} yet, so no users (turnctl users add creates it)`;
}

/** `turnctl users ...`: the portal's Cognito users of a stage. */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;
  const open = (stage: string) => stageContext(loadProject(host.cwd), stage, progressLines(io));
  // Input is checked before the stage is opened (and so before any AWS call, or a sandbox that is not running).
  const checkEmail = (email: string) => {
    const problem = emailProblem(email.trim());
    if (problem) throw new InvalidInputError(undefined, problem);
  };
  const checkRole = (role: string | undefined) => {
    if (role === undefined) return;
    const problem = roleProblem(role.trim(), loadProject(host.cwd).config.users?.roles ?? [...DEFAULT_ROLES]);
    if (problem) throw new InvalidInputError(undefined, problem);
  };
  const svc = () => import('../users/users.js');

  group
    .command('init')
    .description('create the stage\'s user pool and one group per role where missing, and set each group\'s precedence to its place in users.roles (users add does this too)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (o: { stage: string; output: string }) => {
        const ctx = open(o.stage);
        const res = await (await svc()).initPool(ctx);
        const data = { pool: res.pool.name, id: res.pool.id, roles: res.pool.roles, createdPool: res.createdPool, createdGroups: res.createdGroups, reorderedGroups: res.reorderedGroups };
        printResult(io, o.output, data, () => [
          `${res.createdPool ? 'created' : 'found'} user pool ${res.pool.name} (${res.pool.id})`,
          res.createdGroups.length ? `created groups: ${res.createdGroups.join(', ')}` : `groups present: ${res.pool.roles.join(', ')}`,
          ...(res.reorderedGroups.length ? [`precedence set (users.roles order): ${res.reorderedGroups.map((g) => `${g.group} ${g.from ?? 'none'} → ${g.to}`).join(', ')}`] : []),
        ]);
      }),
    );

  group
    .command('add <email>')
    .description('create a portal user with a verified email in a role; Cognito emails the temporary password')
    .requiredOption('-r, --role <role>', 'role (a group from users.roles)')
    .option('-n, --name <name>', 'display name')
    .option('-p, --phone <e164>', 'phone number in E.164 format, e.g. +4915112345678')
    .option('--suppress-invite', 'do not send the invitation email (MessageAction SUPPRESS)')
    .option('--update', 'change the user if it already exists (name, phone, role)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (email: string, o: { role: string; name?: string; phone?: string; suppressInvite?: boolean; update?: boolean; stage: string; output: string }) => {
        const { userSpec } = await import('../users/validate.js');
        const spec = userSpec({ email, role: o.role, name: o.name, phone: o.phone }, loadProject(host.cwd).config.users?.roles ?? [...DEFAULT_ROLES]);
        const ctx = open(o.stage);
        const res = await (await svc()).addUser(ctx, spec, { update: o.update, suppressInvite: o.suppressInvite });
        const invite = res.action === 'created' ? (o.suppressInvite ? ' (invitation suppressed)' : ' (Cognito emailed the temporary password)') : '';
        printResult(io, o.output, { action: res.action, changed: res.fields, user: res.user }, () => `${res.action} ${res.user.email} as ${res.user.roles.join(',')}${invite}`);
      }),
    );

  group
    .command('list')
    .description('list the users of the pool (all pages)')
    .option('-r, --role <role>', 'only users in this role')
    .addOption(new Option('--status <status>', 'only users in this state').choices(STATUS_CHOICES))
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (o: { role?: string; status?: StatusFilter; stage: string; output: string }) => {
        checkRole(o.role);
        const { users, ...listing } = await (await svc()).listUsers(open(o.stage), { role: o.role, status: o.status });
        if (!listing.exists) io.err(noPoolNote(listing.pool, o.stage));
        printResult(io, o.output, users, () => userLines(users));
      }),
    );

  group
    .command('show <email>')
    .description('show one user')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (email: string, o: { stage: string; output: string }) => {
        checkEmail(email);
        const user = await (await svc()).showUser(open(o.stage), email);
        printResult(io, o.output, user, () => userDetail(user));
      }),
    );

  group
    .command('set-role <email> <role>')
    .description('move a user to another role (group)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (email: string, role: string, o: { stage: string; output: string }) => {
        checkEmail(email);
        checkRole(role);
        const res = await (await svc()).setRole(open(o.stage), email, role);
        printResult(io, o.output, res, () => `${res.user.email}: ${res.changed ? 'role set to' : 'already in role'} ${res.user.roles.join(',')}`);
      }),
    );

  for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
    group
      .command(`${name} <email>`)
      .description(enabled ? 'enable a disabled user' : 'disable a user (cannot sign in; sessions signed out); asks for confirmation')
      .addOption(stageOption())
      .addOption(yesOption())
      .addOption(outputOption())
      .action(
        host.action(async (email: string, o: { stage: string; yes?: boolean; output: string }) => {
          checkEmail(email);
          const ctx = open(o.stage);
          const s = await svc();
          const user = await s.existingUser(ctx, email);
          if (!enabled && user.enabled) await confirmOrRefuse(io, { yes: o.yes, message: `Disable ${user.email} on stage ${ctx.stage.name}?` });
          const res = await s.setEnabled(ctx, email, enabled);
          printResult(io, o.output, res, () => `${res.user.email}: ${res.changed ? `${name}d` : `already ${name}d`}`);
        }),
      );
  }

  group
    .command('remove <email>')
    .description('delete a user; asks for confirmation (typing the email on stages with confirm: true)')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(outputOption())
    .action(
      host.action(async (email: string, o: { stage: string; yes?: boolean; output: string }) => {
        checkEmail(email);
        const ctx = open(o.stage);
        const s = await svc();
        const user = await s.existingUser(ctx, email);
        await confirmOrRefuse(io, { yes: o.yes, message: `Delete user ${user.email} from stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? user.email : undefined });
        const removed = await s.removeUser(ctx, email);
        printResult(io, o.output, { removed: removed.email }, () => `removed ${removed.email}`);
      }),
    );

  group
    .command('reset-password <email>')
    .description('make Cognito send a new temporary password (never signed in) or a reset code; asks for confirmation')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(outputOption())
    .action(
      host.action(async (email: string, o: { stage: string; yes?: boolean; output: string }) => {
        checkEmail(email);
        const ctx = open(o.stage);
        const s = await svc();
        const user = await s.existingUser(ctx, email);
        s.refuseResetOfDisabled(ctx, user); // before asking: a confirmed reset that is then refused wastes the answer
        await confirmOrRefuse(io, { yes: o.yes, message: `Reset the password of ${user.email} on stage ${ctx.stage.name}?` });
        const res = await s.resetPassword(ctx, email);
        printResult(io, o.output, { email: res.user.email, method: res.method, status: res.user.status }, () =>
          res.method === 'reset' ? `${res.user.email}: password reset; Cognito emailed a reset code` : `${res.user.email}: invitation re-sent with a new temporary password`,
        );
      }),
    );

  group
    .command('export')
    .description('export the users as CSV (the import format: email,name,role,phone) or JSON')
    .option('-r, --role <role>', 'only users in this role')
    .option('-f, --file <path>', 'write to this file (all at once) instead of stdout')
    .addOption(stageOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(
      host.action(async (o: { role?: string; file?: string; stage: string; output: string }) => {
        checkRole(o.role);
        const { users, ...listing } = await (await svc()).listUsers(open(o.stage), { role: o.role });
        if (!listing.exists) io.err(noPoolNote(listing.pool, o.stage));
        const lines =
          o.output === 'json'
            ? [JSON.stringify(users, null, 2)]
            : ['email,name,role,phone', ...users.map((u) => [u.email, u.name ?? '', u.roles[0] ?? '', u.phone ?? ''].map(csvCell).join(','))];
        if (!o.file) for (const l of lines) io.out(l);
        else {
          writeResultFile(host.cwd, o.file, `${lines.join('\n')}\n`, '--file');
          io.err(`${users.length} user(s) written to ${o.file}`);
        }
      }),
    );

  group
    .command('import <file>')
    .description('import users from CSV (email,name,role[,phone]) or an export\'s JSON; a dry run unless --apply; exit 65 if a row is invalid, 1 if a row failed')
    .option('--apply', 'make the changes (default: only show what each row would do)')
    .option('--update', 'change existing users that differ (name, phone, role)')
    .option('--suppress-invite', 'do not send invitation emails to created users')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (file: string, o: { apply?: boolean; update?: boolean; suppressInvite?: boolean; stage: string; output: string }) => {
        const { importUsers, readImportFile } = await import('../users/import.js');
        readImportFile(file, loadProject(host.cwd).config.users?.roles ?? [...DEFAULT_ROLES], host.cwd); // file-level errors (exit 65) first
        // Row progress on a spinner (transient on a TTY), so stderr keeps only what the user must read.
        let spinner: Spinner | undefined;
        const ctx = stageContext(loadProject(host.cwd), o.stage, (t) => (spinner ? spinner.update(t) : (spinner = io.spinner(t))));
        const res = await importUsers(ctx, file, { apply: o.apply, update: o.update, suppressInvite: o.suppressInvite, cwd: host.cwd }).finally(() => spinner?.stop());
        // A dry run attempts nothing: a row that would fail (an existing user that differs, without --update) says so.
        const verb = (a: string) => (res.applied ? a : { created: 'would create', updated: 'would update', unchanged: 'unchanged', failed: 'would fail' }[a] ?? a);
        printResult(io, o.output, res, () => [
          ...res.rows.map((r) =>
            r.problem ? `${r.where}: ${r.action === 'invalid' ? 'invalid' : verb('failed')}: ${r.problem}` : `${r.where}: ${verb(r.action)} ${r.email}${r.action === 'updated' && r.fields?.length ? ` (${r.fields.join(', ')})` : ''}`,
          ),
          `${res.applied ? '' : 'dry run: '}${res.summary.created} ${verb('created')}, ${res.summary.updated} ${verb('updated')}, ${res.summary.unchanged} unchanged, ${res.summary.invalid} invalid, ${res.summary.failed} ${verb('failed')}${res.applied ? '' : ' (pass --apply to make the changes)'}`,
        ]);
        // A failed row (exit 1) outranks an invalid one (exit 65). Either way one error line on stderr names the first,
        // so a CI log that keeps only stderr still says why; the full list is in the report above.
        const failed = res.summary.failed > 0;
        const bad = res.rows.find((r) => r.action === (failed ? 'failed' : 'invalid'));
        if (!bad) return ExitCode.ok;
        const more = (failed ? res.summary.failed : res.summary.invalid) - 1;
        const kind = failed ? 'failed' : 'invalid';
        io.err(`error: ${bad.where}: ${bad.problem}${more ? ` (and ${more} more ${kind} row${more > 1 ? 's' : ''}, listed above)` : ''}${failed ? '' : '; fix the file and run the import again'}`);
        return failed ? ExitCode.failure : ExitCode.invalidInput;
      }),
    );
}
