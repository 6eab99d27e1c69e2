import { z } from 'zod';

/**
 * The legal section of turnctl.yaml: where the legal documents live.
 * `bucket` (the stage's versioned legal bucket) defaults to `<project>-<stage>-legal`;
 * `docs` is the directory of `<doc-id>.md` sources, relative to the project (default `legal`).
 */
export const legalSchema = z
  .strictObject({
    // Checked as an S3 bucket name after the stage's substitutions (it may use ${project}, ${stage}).
    bucket: z.string().min(1).optional(),
    docs: z.string().min(1).default('legal'),
  })
  .optional();
export type LegalConfig = z.output<typeof legalSchema>;
