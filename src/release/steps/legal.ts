import { createHash } from 'node:crypto';
import { TurnctlError } from '../../errors.js';
import { decidePublish } from '../../legal/decide.js';
import { DOC_ID, type LegalDoc } from '../../legal/document.js';
import { applyPublish, loadDocs, readLive, type Published } from '../../legal/service.js';
import { appendChangelog, legalBucket, readIndex, writeIndex, type IndexEntry } from '../../legal/store.js';
import { appendAudit } from '../../state/audit.js';
import type { Change, ReleaseInput, RestoreResult, Step } from '../types.js';

/** The documents the manifest lists (`legal: [ids]`), parsed from legal/<id>.md, and the release version. */
export interface LegalDesired {
  release: string;
  docs: LegalDoc[];
}

/** What is live for each listed document. */
export interface LegalLive {
  docs: Record<string, { entry: IndexEntry | null; atVersion: Pick<IndexEntry, 'sha256' | 'title' | 'effectiveDate'> | null; liveSummary?: string }>;
}

/** The journalled before-state: the index.json entries of the listed documents (null = not published). */
export interface LegalBefore {
  entries: Record<string, IndexEntry | null>;
}

const summaryOf = (e: IndexEntry | null | undefined) => (e ? { version: e.version, sha256: e.sha256, effectiveDate: e.effectiveDate } : null);

/**
 * Legal documents listed by a release manifest, published as the last checklist step. Publishing follows
 * `legal publish` (objects first, index.json last, change log and audit); a document already live with the same
 * content is no change. Rollback puts the recorded index.json entries back; the uploaded versions stay in the bucket
 * as history.
 */
export const step: Step<LegalDesired, LegalLive> = {
  section: 'legal',

  async desired(ctx, release: ReleaseInput) {
    const ids = release.loaded.manifest.legal;
    ids.forEach((id, i) => {
      if (!DOC_ID.test(id)) throw release.loaded.file.error(['legal', i], `"${id}" is not a document id; use the file name under legal/ without .md`);
    });
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) throw release.loaded.file.error(['legal', i], `"${id}" is listed twice; list each document once`);
      seen.add(id);
    });
    return { release: release.loaded.manifest.version, docs: ids.length ? loadDocs(ctx, ids) : [] };
  },

  digest(desired) {
    const h = createHash('sha256');
    for (const d of desired.docs) h.update(`${d.id}\0${d.version}\0${d.title}\0${d.effectiveDate}\0${d.summary}\0${d.sha256}\n`);
    return h.digest('hex');
  },

  async read(ctx, desired) {
    if (!desired.docs.length) return { docs: {} };
    const { live } = await readLive(ctx, desired.docs);
    return {
      docs: Object.fromEntries(
        desired.docs.map((d, i) => [d.id, { entry: live[i]!.entry ?? null, atVersion: live[i]!.atVersion ? summaryOfStored(live[i]!.atVersion!) : null, ...(live[i]!.liveSummary !== undefined ? { liveSummary: live[i]!.liveSummary } : {}) }]),
      ),
    };
  },

  diff(desired, live) {
    const changes: Change[] = [];
    for (const doc of desired.docs) {
      const l = live.docs[doc.id];
      const decision = decidePublish(doc, { ...(l?.entry ? { entry: l.entry } : {}), ...(l?.atVersion ? { atVersion: l.atVersion } : {}), ...(l?.liveSummary !== undefined ? { liveSummary: l.liveSummary } : {}) });
      if (decision.kind === 'refused') throw decision.error;
      if (decision.kind === 'unchanged') continue;
      changes.push({
        id: `legal:${doc.id}`,
        action: l?.entry ? 'update' : 'create',
        before: summaryOf(l?.entry),
        after: { version: doc.version, sha256: doc.sha256, effectiveDate: doc.effectiveDate },
        note: doc.summary,
      });
    }
    return changes;
  },

  record(live): LegalBefore {
    return { entries: Object.fromEntries(Object.entries(live.docs).map(([id, d]) => [id, d.entry])) };
  },

  async apply(ctx, desired, changes) {
    const ids = new Set(changes.map((c) => c.id.replace(/^legal:/, '')));
    const docs = desired.docs.filter((d) => ids.has(d.id));
    ctx.progress(`legal: publishing ${docs.map((d) => `${d.id} ${d.version}`).join(', ')}`);
    const published: Published[] = await applyPublish(ctx, docs, { via: `release ${desired.release}` });
    return { release: desired.release, published: published.map((p) => ({ doc: p.doc, version: p.version, previousVersion: p.previousVersion })) };
  },

  async restore(ctx, before: LegalBefore, result): Promise<RestoreResult> {
    const release = (result as { release?: string } | undefined)?.release ?? 'unknown';
    const via = `release ${release} rollback`;
    const index = await readIndex(ctx);
    const next = { ...index.entries };
    const restored: string[] = [];
    const kept: string[] = [];
    const changed: Array<{ id: string; from: IndexEntry; to: IndexEntry | null }> = [];
    for (const [id, want] of Object.entries(before.entries)) {
      const cur = index.entries[id] ?? null;
      if (JSON.stringify(summaryOf(cur)) === JSON.stringify(summaryOf(want)) && (cur?.key ?? null) === (want?.key ?? null)) continue;
      if (!cur) {
        // Someone removed it since; putting the old entry back is still what the before-state says.
        if (want) next[id] = want;
        if (want) restored.push(`legal ${id}: index.json back to ${want.version}`);
        continue;
      }
      if (want) next[id] = want;
      else delete next[id];
      changed.push({ id, from: cur, to: want });
      restored.push(want ? `legal ${id}: index.json back to ${want.version} (from ${cur.version})` : `legal ${id}: removed from index.json (was not published before)`);
      kept.push(`s3://${legalBucket(ctx)}/${cur.key} (and .md): version ${cur.version} kept as history`);
    }
    if (!restored.length) return { restored: [] };
    if (!index.bucketExists) throw new TurnctlError(`legal bucket ${legalBucket(ctx)} is gone; cannot restore index.json`);
    await writeIndex(ctx, next, index.etag);
    for (const c of changed) {
      await appendChangelog(ctx, {
        doc: c.id,
        action: c.to ? 'rollback' : 'withdraw',
        docVersion: c.to?.version ?? c.from.version,
        previousVersion: c.from.version,
        summary: c.to ? `rolled back from ${c.from.version} to ${c.to.version} (${via})` : `withdrawn: ${c.from.version} removed from index.json (${via})`,
        title: (c.to ?? c.from).title,
        effectiveDate: (c.to ?? c.from).effectiveDate,
        sha256: (c.to ?? c.from).sha256,
        key: (c.to ?? c.from).key,
        via,
      });
      await appendAudit(ctx, { area: 'legal', action: c.to ? 'rollback' : 'withdraw', target: c.id, details: { from: c.from.version, to: c.to?.version ?? null, via } });
    }
    return { restored, kept };
  },
};

function summaryOfStored(s: Pick<IndexEntry, 'sha256' | 'title' | 'effectiveDate'>) {
  return { sha256: s.sha256, title: s.title, effectiveDate: s.effectiveDate };
}
