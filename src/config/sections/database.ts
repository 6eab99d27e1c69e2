import { z } from 'zod';

// The database section of turnctl.yaml (see README). Owned by the database step / service.
export const databaseSchema = z.strictObject({}).optional();
export type DatabaseConfig = z.output<typeof databaseSchema>;
