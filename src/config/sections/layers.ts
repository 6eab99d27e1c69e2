import { z } from 'zod';

// The layers section of turnctl.yaml (see README). Owned by the layers step / service.
export const layersSchema = z.strictObject({}).optional();
export type LayersConfig = z.output<typeof layersSchema>;
