import { z } from 'zod';

// The legal section of turnctl.yaml (see README). Owned by the legal step / service.
export const legalSchema = z.strictObject({}).optional();
export type LegalConfig = z.output<typeof legalSchema>;
