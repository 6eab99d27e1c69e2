import type { Section } from '../../config/schema.js';
import type { Step } from '../types.js';

/** The release checklist, in order (DESIGN.md). */
export const CHECKLIST_ORDER: readonly Section[] = ['layers', 'gateway', 'env', 'buckets', 'database', 'functions', 'monitoring', 'legal'];

/** One module per checklist section, loaded only when a release needs it. */
const loaders: Partial<Record<Section, () => Promise<Step>>> = {
  layers: async () => (await import('./layers.js')).step,
  gateway: async () => (await import('./gateway.js')).step,
  env: async () => (await import('./env.js')).step,
  functions: async () => (await import('./functions.js')).step,
  database: async () => (await import('./database.js')).step,
  buckets: async () => (await import('./buckets.js')).step,
  monitoring: async () => (await import('./monitoring.js')).step,
  legal: async () => (await import('./legal.js')).step,
};

/** The step modules of the given sections, in checklist order; sections without a module are skipped. */
export async function loadSteps(sections: readonly Section[]): Promise<Step[]> {
  const wanted = CHECKLIST_ORDER.filter((s) => sections.includes(s) && loaders[s]);
  return Promise.all(wanted.map((s) => loaders[s]!()));
}

/** The step module of one section. */
export async function loadStep(section: Section): Promise<Step> {
  const load = loaders[section];
  if (!load) throw new Error(`no step module for section ${section}`);
  return load();
}
