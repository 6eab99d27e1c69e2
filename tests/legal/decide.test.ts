import { describe, expect, it } from 'vitest';
import { decidePublish } from '../../src/legal/decide.js';
import { parseLegalDoc } from '../../src/legal/document.js';
import { renderHtml } from '../../src/legal/render.js';
import { compareVersions } from '../../src/legal/version.js';

const doc = (version: string, body = 'Text.', extra = '') => parseLegalDoc('terms', 'legal/terms.md', `---\ntitle: Terms\nversion: ${version}\neffectiveDate: 2025-07-01\nsummary: s\n${extra}---\n${body}\n`);
const entry = (d: ReturnType<typeof doc>) => ({ version: d.version, sha256: d.sha256, effectiveDate: d.effectiveDate, key: `docs/terms/${d.version}.html`, title: d.title });

describe('legal documents (pure)', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('1.0', '1')).toBe(0);
    expect(compareVersions('2', '10')).toBeLessThan(0);
  });

  it('keeps a plain YAML 1.0 as written, and the body without front matter', () => {
    const d = doc('1.0', '\n\n# Terms\r\nText.');
    expect(d.version).toBe('1.0');
    expect(d.body).toBe('# Terms\nText.\n');
  });

  it('decides publish / unchanged / refused against live', () => {
    const v1 = doc('"1.0"');
    expect(decidePublish(v1, {}).kind).toBe('publish');
    expect(decidePublish(v1, { entry: entry(v1) }).kind).toBe('unchanged');
    expect(decidePublish(doc('"1.1"'), { entry: entry(v1) }).kind).toBe('unchanged'); // version bump alone is no content change
    expect(decidePublish(doc('"1.1"', 'New.'), { entry: entry(v1) })).toMatchObject({ kind: 'publish', previous: { version: '1.0' } });
    const same = decidePublish(doc('"1.0"', 'New.'), { entry: entry(v1) });
    expect(same.kind === 'refused' && same.error.message).toBe('legal/terms.md:3: the content changed but version 1.0 is already live; bump the version (e.g. to 1.1) and say what changed in summary');
    const old = doc('"2.0"', 'Other.');
    const reused = decidePublish(old, { entry: entry(v1), atVersion: { sha256: 'different', title: 'Terms', effectiveDate: '2025-07-01' } });
    expect(reused.kind === 'refused' && reused.error.message).toBe(
      'legal/terms.md:3: version 2.0 is already in the bucket with other content (published before — see turnctl legal history terms — or uploaded by a publish that did not finish); use a version that was never used',
    );
    expect(decidePublish(old, { entry: entry(v1), atVersion: entry(old) }).kind).toBe('publish'); // roll forward
    // GIVEN a new version whose summary is the live version's THEN refused at the summary line
    const stale = decidePublish(doc('"1.1"', 'New.'), { entry: entry(v1), liveSummary: 's' });
    expect(stale.kind === 'refused' && stale.error.message).toBe('legal/terms.md:5: summary is still the one of the live version 1.0 ("s"); say what changed in 1.1');
    expect(decidePublish(doc('"1.1"', 'New.'), { entry: entry(v1), liveSummary: 'other' }).kind).toBe('publish');
    // GIVEN a new version effective before the live one THEN refused at the effectiveDate line; the same day is fine
    const backdated = decidePublish(doc('"1.1"', 'New.'), { entry: { ...entry(v1), effectiveDate: '2025-08-01' } });
    expect(backdated.kind === 'refused' && backdated.error.message).toBe(
      'legal/terms.md:4: effectiveDate 2025-07-01 is before 2025-08-01, the effective date of the live version 1.0; a new version takes effect on or after the one it replaces',
    );
    expect(decidePublish(doc('"1.1"', 'New.'), { entry: { ...entry(v1), effectiveDate: '2025-07-01' } }).kind).toBe('publish');
  });

  it('renders deterministic, escaped HTML', () => {
    const d = parseLegalDoc('terms', 'legal/terms.md', '---\ntitle: "Terms <&> \\"Co\\""\nversion: "1"\neffectiveDate: 2025-07-01\nsummary: s\nlang: de\n---\n# Hallo\n\n- eins\n');
    const html = renderHtml(d);
    expect(html).toBe(renderHtml(d));
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<title>Terms &lt;&amp;&gt; &quot;Co&quot;</title>');
    expect(html).toContain('<h1>Hallo</h1>');
    expect(html).toContain('<li>eins</li>');
  });
});
