import { z } from 'zod';

// The monitoring section of turnctl.yaml (see README). Owned by the monitoring step / service.
export const monitoringSchema = z.strictObject({}).optional();
export type MonitoringConfig = z.output<typeof monitoringSchema>;
