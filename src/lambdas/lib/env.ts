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
