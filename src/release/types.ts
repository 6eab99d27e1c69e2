import type { Ctx } from '../context.js';
import type { LoadedManifest } from '../config/load.js';
import type { Section } from '../config/schema.js';

export type Action = 'create' | 'update' | 'delete' | 'noop';

/** One described difference between desired and live; `before`/`after` never hold secret values. */
export interface Change {
  id: string;
  action: Action;
  before: unknown;
  after: unknown;
  /** The values are masked fingerprints of secrets or env values. */
  sensitive?: boolean;
  /** Extra words for the plan (e.g. "destructive", "data kept on rollback"). */
  note?: string;
}

/** The release being planned. */
export interface ReleaseInput {
  readonly loaded: LoadedManifest;
}

/** What a restore did. */
export interface RestoreResult {
  /** Human lines: what was put back or deleted. */
  restored: string[];
  /** Resources kept because they hold data (a bucket with objects, a table). */
  kept?: string[];
  /** When set, restore could not go on ("fix forward"): rollback stops here with exit 1. */
  blocked?: string;
}

/**
 * One checklist section. `diff` is pure; `read` only reads; `apply` is idempotent; `restore` puts the journalled
 * before-state back. A step never prints: progress goes through ctx.progress.
 */
export interface Step<D = any, L = any> {
  readonly section: Section;
  /**
   * Steps whose changes this step reads (e.g. the gateway reads the user pool bootstrap creates and the aliases the
   * functions step creates): when one of them changed something earlier in the same run, this step's changes are
   * re-derived from live at apply instead of being held to the plan's fingerprint.
   */
  readonly dependsOn?: ReadonlyArray<Section | 'bootstrap' | 'migrate-function'>;
  /** The desired state for this stage (may bundle code, resolve references, read files); no AWS writes. */
  desired(ctx: Ctx, release: ReleaseInput): Promise<D>;
  /** Content hash of the desired state that is the same on every stage (part of the release digest). */
  digest?(desired: D): string;
  /** The live state this step compares against (read-only calls). */
  read(ctx: Ctx, desired: D): Promise<L>;
  /** Pure: the changes that turn `live` into `desired` (no noops needed). */
  diff(desired: D, live: L): Change[];
  /** Pure: what the plan leaves as it is but the user should know (e.g. a stage AWS cannot bring in line). */
  warnings?(desired: D, live: L): string[];
  /** JSON-safe, secret-free form of `live` kept in the journal as the before-state (default: `live`). */
  record?(live: L): unknown;
  /** Makes the changes; may return a JSON-safe result kept in the journal and handed to `restore`. */
  apply(ctx: Ctx, desired: D, changes: Change[]): Promise<unknown>;
  /** Puts the recorded before-state back; deletes what the release created, except what holds data. */
  restore(ctx: Ctx, before: any, result: unknown): Promise<RestoreResult>;
}

/** One step of a plan. */
export interface PlanStep {
  section: Section | 'bootstrap' | 'migrate-function';
  changes: Change[];
  /** Hash of the changes computed against live; apply refuses when re-reading live gives another. */
  fingerprint: string;
}

/** A plan is data: saved with `plan --out`, applied with `apply --plan`. */
export interface Plan {
  version: 1;
  release: string;
  stage: string;
  /** Stage-independent hash of what the release ships. */
  digest: string;
  createdAt: string;
  summary: { create: number; update: number; delete: number };
  /** Application order (checklist order unless a dependency forces another; see `orderNote`). */
  steps: PlanStep[];
  orderNote?: string;
  /** What the plan leaves alone but the user should know (e.g. functions turnctl.yaml no longer declares). */
  warnings?: string[];
  /**
   * Set on a plan without changes when its post-checks are still owed: for a stage another stage promotes from, when
   * this release's digest has not passed them here (e.g. turnctl.yaml changed only for prod), or when the stage's
   * newest run of this release failed and was not rolled back. Apply then runs the post-checks and records a run
   * without changes (which the promoting stage's `staging-verified` check accepts). Says why, for the plan output.
   */
  verify?: string;
}
