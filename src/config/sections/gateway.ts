import { z } from 'zod';

// The gateway section of turnctl.yaml (see README). Owned by the gateway step / service.
export const gatewaySchema = z.strictObject({}).optional();
export type GatewayConfig = z.output<typeof gatewaySchema>;
