// Work to do when an invocation ends, registered by the modules that need it (db.ts) so that the handler wrapper does
// not import them: a function without a database keeps knex out of its bundle.
const hooks = new Set<() => void>();

/** Runs `hook` after every invocation of this container's handler. */
export function onInvocationEnd(hook: () => void): void {
  hooks.add(hook);
}

/** Called by the handler wrappers once the invocation's result is ready. */
export function invocationEnded(): void {
  for (const hook of hooks) hook();
}
