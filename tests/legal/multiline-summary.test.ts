import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';
import { docSource } from './sandbox-s3.js';

describe('a summary written over several lines (summary: |)', () => {
  it('GIVEN a document whose summary is a YAML block WHEN published and its history listed THEN every row and the preview stay one line each; JSON keeps the text as written', async () => {
    const p = makeProject();
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: '|\n  First version.\n  Covers subscriptions.' }, '# Terms'));
    const publish = await runCli(['legal', 'publish', 'terms', '--yes', '--stage', 'local'], p.dir);
    expect(publish.code, publish.stderr).toBe(0);
    expect(publish.stderr.split('\n')).toContain('terms: new, 1.0 (effective 2025-07-01): First version. Covers subscriptions.');

    const history = await runCli(['legal', 'history', 'terms', '--stage', 'local'], p.dir);
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines).toHaveLength(2); // the header and the one publish
    expect(lines[1]).toMatch(/ publish +1\.0 +.+ First version\. Covers subscriptions\.$/);

    const json = await runCli(['legal', 'history', 'terms', '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('First version.\\nCovers subscriptions.');
  });
});
