import chalk, { Chalk } from 'chalk';
import { ranChecksOnly, type Journal } from './journal.js';
import type { Change, Plan } from './types.js';

const SIGN = { create: '+', update: '~', delete: '-', noop: ' ' } as const;

function short(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}...` : v;
  return JSON.stringify(v);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `key: before → after` for every key whose value differs, descending into nested maps (a model schema's
 * `properties.note.maxLength`) so a one-keyword change is not shown as the whole map twice. Keys only the
 * before-state has were removed (a schema that drops "required"): shown as → ∅.
 */
function differences(b: Record<string, unknown>, a: Record<string, unknown>, prefix = ''): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .flatMap((k) => {
      const [x, y] = [bySid(a[k]), bySid(b[k])];
      return isMap(x) && isMap(y) ? differences(y, x, `${prefix}${k}.`) : [`${prefix}${k}: ${short(b[k])} → ${short(a[k])}`];
    });
}

/**
 * A policy's statements keyed by their Sid, so a bucket or role policy change shows the statements that differ
 * (`Statement.NoDocs: ∅ → {…}`) instead of every statement twice; anything else as it is.
 */
function bySid(v: unknown): unknown {
  if (!Array.isArray(v) || v.length === 0) return v;
  const sids = v.map((s) => (isMap(s) && typeof s.Sid === 'string' ? s.Sid : null));
  if (sids.some((s) => s === null) || new Set(sids).size !== sids.length) return v;
  return Object.fromEntries(v.map((s, i) => [sids[i], s]));
}

function describeChange(c: Change): string {
  if (c.action === 'create' || c.action === 'delete') {
    const v = c.action === 'create' ? c.after : c.before;
    return typeof v === 'object' && v !== null ? '' : short(v);
  }
  if (c.before && c.after && typeof c.before === 'object' && typeof c.after === 'object')
    return differences(c.before as Record<string, unknown>, c.after as Record<string, unknown>).join(', ');
  return `${short(c.before)} → ${short(c.after)}`;
}

/** The plan as text lines (checklist order; env values only as fingerprints). */
export function renderPlan(plan: Plan, color: boolean): string[] {
  const c = color ? chalk : new Chalk({ level: 0 });
  const paint = { create: c.green, update: c.yellow, delete: c.red, noop: c.dim } as const;
  const lines = [c.bold(`Release ${plan.release} → stage ${plan.stage}`) + c.dim(`  (digest ${plan.digest.slice(0, 19)})`)];
  if (plan.orderNote) lines.push(c.cyan(`note: ${plan.orderNote}`));
  for (const w of plan.warnings ?? []) lines.push(c.yellow(`warning: ${w}`));
  for (const step of plan.steps) {
    if (step.changes.length === 0) continue;
    lines.push('', c.bold(`  ${step.section}`));
    for (const ch of step.changes) {
      const detail = describeChange(ch);
      const tags = [ch.sensitive ? 'masked' : '', ch.note ?? ''].filter(Boolean).join('; ');
      lines.push(paint[ch.action](`    ${SIGN[ch.action]} ${ch.id}`) + (detail ? `  ${detail}` : '') + (tags ? c.dim(`  (${tags})`) : ''));
    }
  }
  const { create, update, delete: del } = plan.summary;
  lines.push('', create + update + del === 0 ? c.green('No changes. The stage matches the release.') : `Plan: ${c.green(`${create} to create`)}, ${c.yellow(`${update} to update`)}, ${c.red(`${del} to delete`)}.`);
  if (plan.verify) lines.push(c.cyan(`Post-checks pending: ${plan.verify}.`));
  return lines;
}

/**
 * A run whose journal still says running (or rolling back) but which no longer holds the stage's lock: its process
 * died and `release unlock` broke the lock, so nothing will finish it (resume needs the lock). Only a rollback of it
 * does. While the lock names the run, it is running, or waiting for `release resume`.
 */
export function isInterrupted(j: Pick<Journal, 'status' | 'run'>, lockRun: string | undefined): boolean {
  return (j.status === 'running' || j.status === 'rolling-back') && lockRun !== j.run;
}

/** One run of the journal as text lines (`lockRun`: the run the stage's lock names, if any). */
export function renderRun(j: Journal, lockRun?: string): string[] {
  const checksOnly = ranChecksOnly(j);
  // A run without changes only ran and recorded post-checks (for promotion, or after a failed run): `verified`, as history says.
  const verified = j.status === 'succeeded' && checksOnly;
  const status = isInterrupted(j, lockRun)
    ? checksOnly
      ? `interrupted — its process died and its lock was broken; it only ran the post-checks and changed nothing: run release apply again to run them`
      : `interrupted — its process died and its lock was broken; roll back what it changed: turnctl release rollback ${j.run} --stage ${j.stage}`
    : verified
      ? 'verified (no changes; it ran the post-checks, which passed)'
      : j.status;
  const lines = [`run ${j.run}  release ${j.release}  stage ${j.stage}  ${status}`, `  by ${j.holder}, started ${j.startedAt}${j.finishedAt ? `, finished ${j.finishedAt}` : ''}`];
  for (const s of j.steps) lines.push(`  ${s.section.padEnd(11)} ${s.status.padEnd(9)} ${s.changes} change(s)${s.error ? `  ${s.error}` : ''}`);
  for (const c of [...j.preChecks.map((x) => ['pre', x] as const), ...j.postChecks.map((x) => ['post', x] as const)])
    lines.push(`  ${c[0]}-check ${c[1].name}: ${c[1].ok ? 'passed' : 'FAILED'} — ${c[1].detail}`);
  if (j.error) lines.push(`  error: ${j.error}`);
  if (j.rollback) {
    lines.push(`  rolled back (${j.rollback.reason})`);
    for (const r of j.rollback.restored) lines.push(`    restored: ${r}`);
    for (const k of j.rollback.kept) lines.push(`    kept: ${k}`);
    if (j.rollback.blocked) lines.push(`    not restored: ${j.rollback.blocked}`);
  }
  return lines;
}
