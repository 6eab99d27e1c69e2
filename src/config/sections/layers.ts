import { z } from 'zod';
import { nameSchema } from './common.js';

/** Lambda runtimes a layer can be built for (the same set functions may use). */
export const layerRuntimeSchema = z.enum(['nodejs22.x', 'nodejs20.x']);

/** One layer: `layers/<name>/package.json` + `package-lock.json`, published as `<project>-<stage>-<name>`. */
export const layerSchema = z.strictObject({
  /** Runtimes to build for (one published version per runtime); default: the runtimes of the functions naming the layer, else nodejs22.x. */
  runtimes: z.array(layerRuntimeSchema).min(1).optional(),
  /**
   * Free text put before turnctl's hash marker in each version's Description. Lambda allows 256 characters; the
   * marker (`turnctl sha256=<64 hex> runtime=nodejsNN.x`, 98) and its " | " leave 155.
   */
  description: z.string().max(155, 'at most 155 characters: the rest of the layer version Description (256) is turnctl\'s hash marker').optional(),
  build: z
    .strictObject({
      /** `auto`: locally on sandbox stages, in CodeBuild elsewhere. */
      via: z.enum(['auto', 'local', 'codebuild']).default('auto'),
      codebuild: z
        .strictObject({
          /** The stage's CodeBuild project (must exist); default `${project}-${stage}-layers`. */
          project: z.string().min(2).max(150).optional(),
          /** Build timeout in minutes for one layer build. */
          timeoutMinutes: z.number().int().min(5).max(480).default(30),
        })
        .optional(),
    })
    .default({ via: 'auto' }),
});
export type LayerConfig = z.output<typeof layerSchema>;

// The layers section of turnctl.yaml (see docs/layers.md). Owned by the layers step / service.
export const layersSchema = z.record(nameSchema, layerSchema).default({});
export type LayersConfig = z.output<typeof layersSchema>;
