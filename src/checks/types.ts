import type { Ctx } from '../context.js';
import type { Manifest } from '../config/schema.js';
import type { Plan } from '../release/types.js';

/** What a check gets. */
export interface CheckInput {
  readonly ctx: Ctx;
  readonly manifest: Manifest;
  /** The release digest (stage-independent). */
  readonly digest: string;
  /** The plan being applied (pre-checks), or the one just applied (post-checks). */
  readonly plan?: Plan;
  /** A plan computed just now against live state (plan-fresh compares the two). */
  readonly freshPlan?: Plan;
  /** When the apply started (post-checks that read logs since then). */
  readonly startedAt: Date;
}

/** A check's verdict: one line of detail, items for JSON output. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  items?: Array<{ name: string; ok: boolean; detail?: string }>;
}

/** One pre- or post-check. */
export interface Check {
  readonly name: string;
  readonly phase: 'pre' | 'post';
  /**
   * Why turnctl.yaml makes this check fail whatever the live state is (read when the release is planned, so a post-check
   * that cannot pass is refused before anything is applied and rolled back); undefined when it can pass. A problem in a
   * file of its own (a smoke event) is thrown as an InvalidInputError at that file's line instead. `listed`: the checks of
   * its phase the manifest lists (a check that needs another one to run first can say it is missing).
   */
  configProblem?(ctx: Ctx, listed: readonly string[]): string | undefined | Promise<string | undefined>;
  /** Checks of the same phase whose results this one reads (e.g. the logs smoke produces): run first when listed too. */
  readonly runsAfter?: readonly string[];
  run(input: CheckInput): Promise<CheckResult>;
}
