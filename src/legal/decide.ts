import { InvalidInputError } from '../errors.js';
import type { LegalDoc } from './document.js';
import type { IndexEntry } from './store.js';
import { compareVersions, nextVersion } from './version.js';

/** What is live for one document: its index.json entry, and what the bucket holds at the local version's key. */
export interface LiveDoc {
  entry?: IndexEntry;
  /** The stored object at docs/<id>/<local version>.* when it exists (a version published before). */
  atVersion?: Pick<IndexEntry, 'sha256' | 'title' | 'effectiveDate'>;
  /** The summary the live version was published with (from the change log), when known. */
  liveSummary?: string;
}

/** The decision for one document. */
export type Decision =
  | { kind: 'publish'; doc: LegalDoc; previous?: IndexEntry }
  | { kind: 'unchanged'; doc: LegalDoc; live: IndexEntry }
  | { kind: 'refused'; doc: LegalDoc; error: InvalidInputError };

/** What readers see: the text, its title and effective date (the version and summary are about the change). */
const sameContent = (doc: Pick<LegalDoc, 'sha256' | 'title' | 'effectiveDate'>, e: Pick<IndexEntry, 'sha256' | 'title' | 'effectiveDate'>) =>
  doc.sha256 === e.sha256 && doc.title === e.title && doc.effectiveDate === e.effectiveDate;

/**
 * Pure: may `doc` be published over `live`? Unchanged content is 'unchanged'; changed content needs a version greater
 * than the live one, and a version published before may only come back with the same content (a roll forward).
 */
export function decidePublish(doc: LegalDoc, live: LiveDoc): Decision {
  const at = (problem: string) => ({ kind: 'refused' as const, doc, error: new InvalidInputError(`${doc.file}:${doc.versionLine}`, problem) });
  const e = live.entry;
  if (e && sameContent(doc, e)) return { kind: 'unchanged', doc, live: e };
  if (e) {
    const cmp = compareVersions(doc.version, e.version);
    if (cmp === 0) return at(`the content changed but version ${doc.version} is already live; bump the version (e.g. to ${nextVersion(e.version)}) and say what changed in summary`);
    if (cmp < 0) return at(`version ${doc.version} is not greater than the live version ${e.version}; use a greater version (e.g. ${nextVersion(e.version)})`);
  }
  // A new version takes effect on or after the one it replaces: an earlier date is a typo (2024 for 2025) that the apps
  // would show as the date of the current terms. (Rolling back to an earlier version is `legal rollback`, not publish.)
  if (e && doc.effectiveDate < e.effectiveDate)
    return {
      kind: 'refused' as const,
      doc,
      error: new InvalidInputError(`${doc.file}:${doc.effectiveDateLine}`, `effectiveDate ${doc.effectiveDate} is before ${e.effectiveDate}, the effective date of the live version ${e.version}; a new version takes effect on or after the one it replaces`),
    };
  // A bumped version whose summary is still the live version's says nothing about what changed in it.
  if (e && live.liveSummary !== undefined && doc.summary.trim() === live.liveSummary.trim())
    return { kind: 'refused' as const, doc, error: new InvalidInputError(`${doc.file}:${doc.summaryLine}`, `summary is still the one of the live version ${e.version} ("${doc.summary}"); say what changed in ${doc.version}`) };
  if (live.atVersion && !sameContent(doc, live.atVersion))
    // Also what a publish stopped after its uploads leaves: the history does not list that version, so say both.
    return at(`version ${doc.version} is already in the bucket with other content (published before — see turnctl legal history ${doc.id} — or uploaded by a publish that did not finish); use a version that was never used`);
  return { kind: 'publish', doc, ...(e ? { previous: e } : {}) };
}
