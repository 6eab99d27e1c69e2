import { z } from 'zod';

// The users section of turnctl.yaml (see README). Owned by the users step / service.
export const usersSchema = z.strictObject({}).optional();
export type UsersConfig = z.output<typeof usersSchema>;
