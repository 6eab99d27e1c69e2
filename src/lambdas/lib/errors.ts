/** An error the caller can act on; mapped to an HTTP status with a JSON body by the handler wrapper. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: 400 naming the field and the reason. */
export class InputError extends HttpError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(400, 'invalid_request', `${field} ${reason}`, { field, reason });
  }
}

/** The resource does not exist, or the caller may not see it (we never say which). */
export class NotFoundError extends HttpError {
  constructor(reason = 'not found') {
    super(404, 'not_found', reason, { reason });
  }
}

/** The request conflicts with the current state (e.g. an overlapping subscription). */
export class ConflictError extends HttpError {
  constructor(reason: string) {
    super(409, 'conflict', reason, { reason });
  }
}

/** No caller identity on a route that needs one. */
export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, 'unauthorized', 'a signed-in caller is required', { reason: 'a signed-in caller is required' });
  }
}

/** The function is missing configuration it needs; a deployment problem, never the caller's. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
