import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import type { Ctx } from '../context.js';
import { isAwsError } from '../errors.js';
import { blankComments } from './source-comments.js';
import type { Check } from './types.js';

/** The tracking plan file at the project root. */
export const TRACKING_PLAN_FILE = 'tracking-plan.yaml';
const LAMBDAS_DIR = join('src', 'lambdas');
const SHARED_DIR = 'lib';
/** The one place allowed to call Metrics.addMetric: track() itself. */
const TRACK_IMPLEMENTATION = join(LAMBDAS_DIR, SHARED_DIR, 'observability.ts');

/** One planned event. */
export interface PlannedEvent {
  name: string;
  /** The function (directory under src/lambdas/) that emits it. */
  function: string;
  /** Its function's smoke event exercises it, so it must show in the logs after a release. */
  smoke: boolean;
}

/** Reads tracking-plan.yaml; problems with the file itself are returned, not thrown. */
export async function readTrackingPlan(projectDir: string): Promise<{ events: PlannedEvent[]; problems: string[] }> {
  const file = join(projectDir, TRACKING_PLAN_FILE);
  if (!existsSync(file)) return { events: [], problems: [`${TRACKING_PLAN_FILE} not found in ${projectDir}; create it (see the README, "Tracking plan")`] };
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (err) {
    return { events: [], problems: [`${TRACKING_PLAN_FILE}: not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  const root = (doc ?? {}) as { version?: unknown; events?: unknown };
  if (root.version !== 1) return { events: [], problems: [`${TRACKING_PLAN_FILE}: version must be 1, found ${JSON.stringify(root.version)}`] };
  if (typeof root.events !== 'object' || root.events === null || Array.isArray(root.events))
    return { events: [], problems: [`${TRACKING_PLAN_FILE}: "events" must map event names to { function, smoke, properties }`] };
  const events: PlannedEvent[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(root.events as Record<string, unknown>)) {
    const e = (raw ?? {}) as { function?: unknown; smoke?: unknown };
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) problems.push(`${TRACKING_PLAN_FILE}: event "${name}" must be PascalCase letters and digits`);
    if (typeof e.function !== 'string' || !e.function) {
      problems.push(`${TRACKING_PLAN_FILE}: event ${name} needs "function: <name>" (a directory of ${LAMBDAS_DIR})`);
      continue;
    }
    if (e.smoke !== undefined && typeof e.smoke !== 'boolean') problems.push(`${TRACKING_PLAN_FILE}: event ${name}: "smoke" must be true or false`);
    events.push({ name, function: e.function, smoke: e.smoke === true });
  }
  return { events, problems };
}

/** One `track('<Event>', …)` call found in the source. */
export interface EmittedEvent {
  name: string;
  function: string;
  /** `src/lambdas/<fn>/<file>:<line>` */
  where: string;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.d\.m?ts$/.test(entry.name) && !/\.test\./.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * The source files a function's entry (index.*) pulls into its bundle, or undefined without an entry. esbuild resolves
 * the imports exactly as the real build does (extensions, index files, tsconfig, type-only imports dropped), so a file
 * of the function's directory that the bundle does not contain emits nothing, and a track() call there is reported.
 * npm packages stay external: only the project's own files can track events. A build error is a problem at file:line.
 */
async function reachableFiles(projectDir: string, functionDir: string): Promise<{ files?: Set<string>; problem?: string }> {
  const entry = ['index.ts', 'index.mts', 'index.js', 'index.mjs'].map((f) => join(functionDir, f)).find((f) => existsSync(f));
  if (!entry) return {};
  const { build } = await import('esbuild');
  try {
    const result = await build({
      absWorkingDir: projectDir,
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      outfile: 'tracking-plan-scan.mjs',
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    return { files: new Set(Object.keys(result.metafile.inputs).map((f) => resolve(projectDir, f))) };
  } catch (err) {
    const e = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    if (!e) throw err;
    return { problem: `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}` : posix(relative(projectDir, entry))}: cannot be bundled, so its events cannot be checked: ${e.text}` };
  }
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;
const posix = (p: string) => p.split(sep).join('/');

/** Scans src/lambdas/ for track() calls (and direct addMetric calls, which bypass the plan). */
export async function scanEmittedEvents(projectDir: string): Promise<{ emitted: EmittedEvent[]; problems: string[]; functions: string[] }> {
  const root = join(projectDir, LAMBDAS_DIR);
  if (!existsSync(root)) return { emitted: [], problems: [`${LAMBDAS_DIR} not found`], functions: [] };
  const dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const emitted: EmittedEvent[] = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    const graph = dir === SHARED_DIR ? {} : await reachableFiles(projectDir, join(root, dir));
    if (graph.problem) problems.push(graph.problem);
    const reachable = graph.files;
    for (const file of await sourceFiles(join(root, dir))) {
      const rel = posix(relative(projectDir, file));
      // Comments blanked: a commented-out track() call emits nothing (indices and lines are unchanged).
      const text = blankComments(await readFile(file, 'utf8'));
      for (const m of text.matchAll(/\btrack\s*\(\s*([^,)]*)/g)) {
        const where = `${rel}:${lineOf(text, m.index)}`;
        const literal = /^(['"`])([A-Za-z0-9_]+)\1$/.exec(m[1]!.trim());
        if (dir === SHARED_DIR) {
          if (literal) problems.push(`${where}: tracks ${literal[2]} from shared code; emit events from the function's own directory`);
          continue;
        }
        if (!literal) problems.push(`${where}: track() needs a string-literal event name so the plan can be checked`);
        else if (reachable && !reachable.has(file))
          problems.push(`${where}: tracks ${literal[2]} in a file ${dir}'s entry never imports, so it is never emitted; import it or remove it`);
        else emitted.push({ name: literal[2]!, function: dir, where });
      }
      if (rel !== posix(TRACK_IMPLEMENTATION)) {
        for (const m of text.matchAll(/\baddMetric\s*\(/g)) problems.push(`${rel}:${lineOf(text, m.index)}: calls addMetric directly; emit events with obs.track() so they are planned and logged`);
      }
    }
  }
  return { emitted, problems, functions: dirs.filter((d) => d !== SHARED_DIR) };
}

/**
 * The static half of the tracking-plan check: every planned event is tracked by its function's code, no code tracks
 * an event the plan lacks (or for another function), and every `smoke: true` event's function has a smoke event.
 */
export async function staticTrackingPlanProblems(projectDir: string): Promise<string[]> {
  const plan = await readTrackingPlan(projectDir);
  const scan = await scanEmittedEvents(projectDir);
  const problems = [...plan.problems, ...scan.problems];
  const planned = new Map(plan.events.map((e) => [e.name, e]));
  for (const e of plan.events) {
    if (!scan.functions.includes(e.function)) {
      problems.push(`${TRACKING_PLAN_FILE}: ${e.name} is planned for function "${e.function}", which has no directory ${posix(join(LAMBDAS_DIR, e.function))}`);
      continue;
    }
    if (!scan.emitted.some((x) => x.name === e.name && x.function === e.function))
      problems.push(`${TRACKING_PLAN_FILE}: ${e.name} is planned for ${e.function}, but ${posix(join(LAMBDAS_DIR, e.function))}/ never tracks it`);
    if (e.smoke && !existsSync(join(projectDir, LAMBDAS_DIR, e.function, 'smoke.json')))
      problems.push(`${TRACKING_PLAN_FILE}: ${e.name} is marked smoke: true, but ${e.function} has no smoke.json`);
  }
  for (const x of scan.emitted) {
    const p = planned.get(x.name);
    if (!p) problems.push(`${x.where}: tracks ${x.name}, which ${TRACKING_PLAN_FILE} does not plan; add it there or remove the call`);
    else if (p.function !== x.function) problems.push(`${x.where}: tracks ${x.name}, which ${TRACKING_PLAN_FILE} plans for ${p.function}, not ${x.function}`);
  }
  return problems;
}

/**
 * Event names in the functions' log output: the `event` field of structured (Powertools) log lines and the metric names
 * of EMF lines. A line may carry a prefix (timestamp, request id, level) before its JSON.
 */
export function eventsInLogs(lines: string[]): Set<string> {
  const found = new Set<string>();
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line.slice(start));
    } catch {
      continue;
    }
    const r = record as { event?: unknown; _aws?: { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name?: unknown }> }> } };
    if (typeof r.event === 'string') found.add(r.event);
    for (const directive of r._aws?.CloudWatchMetrics ?? []) for (const m of directive.Metrics ?? []) if (typeof m.Name === 'string') found.add(m.Name);
  }
  return found;
}

/**
 * The runtime half: every `smoke: true` event must appear in the log lines of its function (collected after its smoke
 * event ran). Functions absent from `logsByFunction` were not exercised and are reported as such.
 */
export function runtimeTrackingPlanProblems(events: PlannedEvent[], logsByFunction: ReadonlyMap<string, string[]>): string[] {
  const problems: string[] = [];
  for (const e of events.filter((x) => x.smoke)) {
    const lines = logsByFunction.get(e.function);
    if (!lines) problems.push(`${e.name}: function ${e.function} was not exercised by its smoke event`);
    else if (!eventsInLogs(lines).has(e.name)) problems.push(`${e.name}: not in the logs of ${e.function} after its smoke event`);
  }
  return problems;
}

/** Log messages of a function's log group since a time (all pages); [] when the group does not exist yet. */
async function logLinesSince(ctx: Ctx, fn: string, since: Date): Promise<string[]> {
  const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await ctx.aws.logs();
  const lines: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const res = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${ctx.names.fn(fn)}`, startTime: since.getTime(), nextToken }));
      for (const e of res.events ?? []) if (e.message && (e.timestamp ?? 0) >= since.getTime()) lines.push(e.message);
      nextToken = res.nextToken;
    } while (nextToken);
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return [];
    throw err;
  }
  return lines;
}

/**
 * Post-check `tracking-plan`: statically, every planned event is emitted by its function's code and nothing else is;
 * at run time, every event the smoke events exercise (`smoke: true`) is in its function's logs since the apply
 * started (the smoke post-check, which runs before this one, produced them).
 */
export const check: Check = {
  name: 'tracking-plan',
  phase: 'post',
  runsAfter: ['smoke'],
  // Without the smoke post-check in the same run nothing produces the smoke: true events in the logs since the apply
  // started: the check would fail, and roll back, every release.
  async configProblem(ctx, listed) {
    if (listed.includes('smoke')) return undefined;
    const smoked = (await readTrackingPlan(ctx.project.dir)).events.filter((e) => e.smoke && ctx.stack.functions[e.function]);
    if (!smoked.length) return undefined;
    return `the tracking-plan post-check looks for the events the smoke post-check makes the functions log (${smoked.map((e) => e.name).slice(0, 3).join(', ')}${smoked.length > 3 ? ', …' : ''}): without smoke in checks.post it always fails; add smoke to checks.post or remove the check`;
  },
  async run({ ctx, startedAt }) {
    const problems = await staticTrackingPlanProblems(ctx.project.dir);
    const { events } = await readTrackingPlan(ctx.project.dir);
    const fns = [...new Set(events.filter((e) => e.smoke && ctx.stack.functions[e.function]).map((e) => e.function))];
    const logsByFunction = new Map<string, string[]>();
    for (const fn of fns) {
      const lines = await logLinesSince(ctx, fn, startedAt);
      if (lines.length) logsByFunction.set(fn, lines);
    }
    problems.push(...runtimeTrackingPlanProblems(events.filter((e) => ctx.stack.functions[e.function]), logsByFunction));
    return {
      name: 'tracking-plan',
      ok: problems.length === 0,
      detail: problems.length
        ? problems.join('; ')
        : `every planned event is tracked by its function's code, and nothing else is; ${fns.length} function(s) logged their smoke events`,
      items: problems.map((p) => ({ name: p.split(':')[0]!, ok: false, detail: p })),
    };
  },
};
