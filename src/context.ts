import { createAwsClients, type AwsClients, type AwsTarget } from './aws/clients.js';
import { loadProject, resolveStage, stackFor, type Project, type Stage } from './config/load.js';
import type { Config } from './config/schema.js';
import { stateDir } from './paths.js';
import { sandboxEndpoint } from './sandbox/sandbox.js';

/** Resource names of one stage, derived in one place. */
export interface Names {
  /** Deployed name of a function: `<project>-<stage>-<name>`. */
  fn(name: string): string;
  /** Execution role of a function (config `role`, else `<project>-<stage>-<name>`). */
  role(name: string): string;
  /** Any other stage-scoped resource: `<project>-<stage>-<suffix>`. */
  scoped(suffix: string): string;
  /** The stage's state bucket: journal, lock, audit. */
  readonly stateBucket: string;
  readonly alias: string;
}

/** Everything a step, check or service needs about one stage; never prints (progress goes through `progress`). */
export interface Ctx {
  readonly project: Project;
  readonly stage: Stage;
  /** turnctl.yaml with the stage's substitutions applied. */
  readonly stack: Config;
  readonly aws: AwsClients;
  readonly names: Names;
  readonly stateDir: string;
  /** Bounded concurrency per AWS service. */
  readonly concurrency: number;
  /** Progress text for a spinner; never secrets. */
  progress(text: string): void;
}

/** Local sandbox credentials (moto accepts any). */
const SANDBOX_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Credentials given in the environment (CI: keys, an OIDC web identity, or a container's role) win over the stage's
 * named profile. A container's role is announced by AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on ECS and in CodeBuild,
 * by AWS_CONTAINER_CREDENTIALS_FULL_URI with EKS Pod Identity (the SDK's container credential provider reads both).
 */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
}

/**
 * The AWS target of the sandbox stage. Its endpoint is looked up when a client first needs it, not when the context is
 * built: commands of the local stage that make no AWS call (db status|migrate on PGlite) work without the sandbox, and
 * the others still fail with "the local sandbox is not running" at their first call.
 */
function sandboxTarget(projectDir: string, region: string, maxInFlight: number | undefined): AwsTarget {
  let endpoint: string | undefined;
  return {
    region,
    credentials: SANDBOX_CREDENTIALS,
    maxInFlight,
    get endpoint() {
      return (endpoint ??= sandboxEndpoint(projectDir));
    },
  };
}

/** Builds the context of a stage from a loaded project. */
export function stageContext(project: Project, stageName: string | undefined, progress: (t: string) => void = () => {}): Ctx {
  const stage = resolveStage(project, stageName);
  const stack = stackFor(project, stage);
  const prefix = `${project.config.project}-${stage.name}`;
  const aws = stage.sandbox
    ? createAwsClients(sandboxTarget(project.dir, stage.region, stage.concurrency))
    : createAwsClients({ region: stage.region, endpoint: stage.endpoint, profile: envCredentials() ? undefined : stage.profile, maxInFlight: stage.concurrency });
  const names: Names = {
    fn: (n) => `${prefix}-${n}`,
    role: (n) => stack.functions[n]?.role ?? `${prefix}-${n}`,
    scoped: (s) => `${prefix}-${s}`,
    stateBucket: `${prefix}-turnctl`,
    alias: 'live',
  };
  return { project, stage, stack, aws, names, stateDir: stateDir(project.dir), concurrency: stage.concurrency, progress };
}

/** Loads the project from `cwd` and builds the stage context. */
export function openStage(stageName: string | undefined, opts: { cwd?: string; progress?: (t: string) => void } = {}): Ctx {
  return stageContext(loadProject(opts.cwd), stageName, opts.progress);
}
