import type { Check } from './types.js';

/** Every pre/post check by name, loaded only when run. */
const loaders: Record<string, () => Promise<Check>> = {
  credentials: async () => (await import('./credentials.js')).check,
  smoke: async () => (await import('./smoke.js')).check,
  'env-complete': async () => (await import('./env-complete.js')).check,
  'staging-verified': async () => (await import('./staging-verified.js')).check,
  'plan-fresh': async () => (await import('./plan-fresh.js')).check,
  'tracking-plan': async () => (await import('./tracking-plan.js')).check,
  health: async () => (await import('./health.js')).check,
  cors: async () => (await import('./cors.js')).check,
  permissions: async () => (await import('./permissions.js')).check,
  errors: async () => (await import('./errors.js')).check,
  'migrations-safe': async () => (await import('./migrations-safe.js')).check,
};

/** Names of all known checks. */
export function checkNames(): string[] {
  return Object.keys(loaders);
}

/** Loads a check by name; undefined when unknown. */
export async function loadCheck(name: string): Promise<Check | undefined> {
  return loaders[name]?.();
}
