import { describeDestructive, pendingMigrations, readMigrationSet, unallowedDestructive } from '../db/migrations.js';
import { runnerFor } from '../db/runner.js';
import type { Check } from './types.js';

/**
 * Pre-check: no pending migration is destructive unless the release lists it under allowDestructive (the same rule
 * the database step enforces at plan time), and every allowDestructive entry names a migration file.
 */
export const check: Check = {
  name: 'migrations-safe',
  phase: 'pre',
  async run({ ctx, manifest }) {
    const set = readMigrationSet(ctx);
    const allowed = manifest.allowDestructive;
    const items: Array<{ name: string; ok: boolean; detail?: string }> = [];
    for (const a of allowed)
      if (!set.migrations.some((m) => m.name === a)) items.push({ name: a, ok: false, detail: `allowDestructive names ${a}, which is not a file in ${set.shownDir}; fix the name or remove it` });
    const completed = set.migrations.length ? await (await runnerFor(ctx)).completed() : [];
    const pending = pendingMigrations(set, completed, ctx.stage.name);
    const bad = new Set(unallowedDestructive(pending, allowed).map((m) => m.name));
    for (const m of pending) {
      if (!m.destructive.length) items.push({ name: m.name, ok: true, detail: 'pending, not destructive' });
      else if (bad.has(m.name)) items.push({ name: m.name, ok: false, detail: `destructive and not in allowDestructive: ${describeDestructive(set, m)}; add "${m.name}" to allowDestructive or make it non-destructive` });
      else items.push({ name: m.name, ok: true, detail: `destructive, allowed: ${describeDestructive(set, m)}` });
    }
    const failed = items.filter((i) => !i.ok);
    const detail = failed.length
      ? failed.map((i) => `${i.name}: ${i.detail}`).join('; ')
      : pending.length
        ? `${pending.length} pending migration(s), none destructive without allowDestructive`
        : 'no pending migrations';
    return { name: 'migrations-safe', ok: failed.length === 0, detail, items };
  },
};
