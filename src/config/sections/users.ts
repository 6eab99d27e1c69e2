import { z } from 'zod';

/** Default roles (one Cognito group each) when `users.roles` is not set. */
export const DEFAULT_ROLES = ['admin', 'operator', 'support'] as const;

/**
 * The users section of turnctl.yaml: the portal's Cognito user pool of each stage.
 * `pool` defaults to `<project>-<stage>-portal`; every role is a Cognito group (created when missing).
 * Roles are listed highest first: the order becomes the group precedence.
 */
export const usersSchema = z
  .strictObject({
    pool: z.string().min(1).max(128).optional(),
    roles: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, starting with a letter'))
      .min(1, 'list at least one role')
      .refine((r) => new Set(r).size === r.length, 'roles must be unique')
      .default([...DEFAULT_ROLES]),
  })
  .optional();
export type UsersConfig = z.output<typeof usersSchema>;
