import { z } from 'zod';

// The buckets section of turnctl.yaml (see README). Owned by the buckets step / service.
export const bucketsSchema = z.strictObject({}).optional();
export type BucketsConfig = z.output<typeof bucketsSchema>;
