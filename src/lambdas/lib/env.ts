import type { LogLevel } from '@aws-lambda-powertools/logger/types';

/** The keys of `required` that are unset or empty in the environment. */
export function missingEnv(required: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return required.filter((key) => !env[key]?.trim());
}

/** The web origins allowed by CORS (ALLOWED_ORIGINS, comma-separated; `*` allows any origin). */
export function allowedOrigins(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * The configured log level (POWERTOOLS_LOG_LEVEL, else LOG_LEVEL) for the Powertools Logger constructor, which accepts
 * any case: its own environment lookup takes upper case only, so `LOG_LEVEL: warn` from turnctl.yaml was ignored.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel | undefined {
  return ((env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL)?.trim() || undefined) as LogLevel | undefined;
}
