import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { UsageError } from '../errors.js';
import { openStage } from '../context.js';
import { outputOption, parseDuration, printResult, progressLines, stageOption, table } from './common.js';
import { AUDIT_KINDS, listAudit, type AuditRow } from '../audit/service.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The instant of an ISO date (midnight UTC) or date-time (UTC unless it has an offset); undefined if it is none. */
function isoInstant(v: string): Date | undefined {
  const m = DATE.exec(v) ?? DATE_TIME.exec(v);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const t = Date.parse(m[0].length === 10 ? `${v}T00:00:00Z` : m[7] ? v : `${v}Z`);
  // Date.parse rolls 2025-02-30 over to March: a date or time that does not exist is refused instead.
  const probe = new Date(Date.UTC(+y!, +mo! - 1, +d!));
  if (Number.isNaN(t) || probe.getUTCMonth() !== +mo! - 1 || probe.getUTCDate() !== +d! || +h > 23 || +mi > 59 || +s > 59) return undefined;
  return new Date(t);
}

/** `--since`: a duration back from `now` (7d, 12h, 30m, 90s) or an ISO date / date-time; anything else is a usage error. */
export function parseSince(value: string, now = Date.now()): Date {
  const v = value.trim();
  if (/^\d+\s*[smhd]$/.test(v)) return new Date(now - parseDuration(v));
  const at = isoInstant(v);
  if (at) return at;
  throw new UsageError(`--since "${value}" is neither a duration nor a date; use e.g. 7d, 12h, 30m, 2025-09-01 or 2025-09-01T08:00:00Z`);
}

/** `--kind users,legal` (repeatable): the kinds asked for; an unknown one is a usage error. */
export function parseKinds(values: readonly string[] | undefined): string[] | undefined {
  if (!values?.length) return undefined;
  const kinds = [...new Set(values.flatMap((v) => v.split(',')).map((k) => k.trim()).filter(Boolean))];
  const unknown = kinds.find((k) => !(AUDIT_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined || !kinds.length) throw new UsageError(`--kind "${unknown ?? values.join(',')}" is not a kind of audit entry; use ${AUDIT_KINDS.join(', ')} (comma-separated or repeated)`);
  return kinds;
}

/** An entry's details as `key=value` pairs (lists comma-joined). */
function detailText(d: Record<string, unknown> | undefined): string {
  if (!d) return '';
  return Object.entries(d)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function auditLines(rows: AuditRow[], empty: string): string[] {
  if (!rows.length) return [empty];
  return table([['WHEN', 'WHO', 'KIND', 'ACTION', 'TARGET', 'DETAILS'], ...rows.map((r) => [r.at, r.who, r.kind, r.action, r.target || '-', detailText(r.details)])]);
}

/** `turnctl audit`: who did what, when, to which user or document, from the stage's audit log. */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;
  group
    .description('who did what, when: the user and legal changes in the stage\'s audit log, newest first')
    .option('--since <when>', 'only entries since a duration back (7d, 12h, 30m) or an ISO date / date-time (UTC unless it has an offset)')
    .option('-k, --kind <kinds>', `only these kinds: ${AUDIT_KINDS.join(', ')} (comma-separated or repeated)`, (v: string, prev: string[] = []) => [...prev, v])
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (o: { stage: string; since?: string; kind?: string[]; output: string }) => {
        // The command line is checked before the stage is opened (and so before any AWS call).
        const since = o.since === undefined ? undefined : parseSince(o.since);
        const kinds = parseKinds(o.kind);
        const ctx = openStage(o.stage, { cwd: host.cwd, progress: progressLines(io) });
        const res = await listAudit(ctx, { since, kinds });
        if (res.unreadable.length) io.err(`warning: ${res.unreadable.length} object${res.unreadable.length === 1 ? '' : 's'} under audit/ in ${ctx.names.stateBucket} could not be read as an entry: ${res.unreadable.join(', ')}`);
        const data = { stage: ctx.stage.name, since: since?.toISOString() ?? null, kinds: kinds ?? [...AUDIT_KINDS], entries: res.entries, unreadable: res.unreadable };
        const scope = `${kinds ? ` of kind ${kinds.join(', ')}` : ''}${since ? ` since ${since.toISOString()}` : ''}`;
        printResult(io, o.output, data, () => auditLines(res.entries, `no audit entries${scope} on stage ${ctx.stage.name}`));
      }),
    );
}
