import type { Ctx } from '../context.js';
import { InvalidInputError, TurnctlError } from '../errors.js';
import { mapLimit } from '../aws/clients.js';
import { appendAudit, readyAudit } from '../state/audit.js';
import { docsDir, listDocIds, loadLegalDoc, DOC_ID, type LegalDoc } from './document.js';
import { decidePublish, type Decision } from './decide.js';
import {
  appendChangelog,
  docKeys,
  ensureLegalBucket,
  getText,
  legalBucket,
  legalDocsDir,
  markdownKey,
  readChangelog,
  readIndex,
  storedVersion,
  uploadDoc,
  writeIndex,
  type Changelog,
  type ChangelogEntry,
  type IndexEntry,
  type IndexSnapshot,
  type LegalIndex,
} from './store.js';
import { compareVersions, VERSION_PATTERN } from './version.js';

/** Parses the named documents, or every `legal/*.md` when none is named; the first bad one throws (file:line). */
export function loadDocs(ctx: Pick<Ctx, 'project' | 'stack'>, ids: readonly string[] = []): LegalDoc[] {
  const docs = legalDocsDir(ctx);
  const all = ids.length ? [...new Set(ids)] : listDocIds(docsDir(ctx.project.dir, docs));
  if (!all.length) throw new InvalidInputError(docs, `no documents (<id>.md) in ${docs}/; write one with front matter: title, version, effectiveDate, summary`);
  return all.map((id) => loadLegalDoc(ctx.project.dir, docs, id));
}

/** Reads what is live for each doc: its index entry, and the stored object at the doc's version (if any). */
export async function readLive(ctx: Ctx, docs: readonly LegalDoc[]) {
  const index = await readIndex(ctx);
  const live = await mapLimit(docs, ctx.concurrency, async (doc) => {
    const entry = index.entries[doc.id];
    let log: Awaited<ReturnType<typeof readChangelog>>['entries'] | undefined;
    const changelog = async () => (log ??= (await readChangelog(ctx, doc.id)).entries); // read once, only when needed
    const newVersion = index.bucketExists && entry?.version !== doc.version;
    let atVersion = newVersion ? await storedVersion(ctx, doc.id, doc.version) : undefined;
    if (newVersion && !atVersion) {
      // The same number published before in another spelling (1.1 for 1.1.0) is that version too: it may only come
      // back with the same content, as rollback and the version checks treat the two spellings as one version.
      const spelled = (await changelog()).findLast((c) => c.action === 'publish' && c.docVersion !== doc.version && compareVersions(c.docVersion, doc.version) === 0);
      if (spelled) atVersion = await storedVersion(ctx, doc.id, spelled.docVersion);
    }
    // Only a document about to get a new version needs the live version's summary (one change-log read).
    const liveSummary = entry && entry.version !== doc.version && entry.sha256 !== doc.sha256 ? lastPublishSummary(await changelog(), entry.version) : undefined;
    return { entry, ...(atVersion ? { atVersion } : {}), ...(liveSummary !== undefined ? { liveSummary } : {}) };
  });
  return { index, live };
}

/** The summary `version` was last published with, from a document's change log (oldest first). */
function lastPublishSummary(log: readonly ChangelogEntry[], version: string): string | undefined {
  return log.filter((c) => c.action === 'publish' && c.docVersion === version).at(-1)?.summary;
}

/** A publish plan: what each document would do. */
export interface PublishPlan {
  decisions: Decision[];
  /** ETag of index.json when read (the write is conditional on it). */
  etag?: string;
}

/**
 * `legal publish` (plan part): refuses (exit 65, file:line) a document whose version is not greater than the live one,
 * whose content changed under an unchanged version, or that was named but is unchanged. Without names, unchanged
 * documents are skipped.
 */
export async function planPublish(ctx: Ctx, ids: readonly string[] = []): Promise<PublishPlan> {
  const docs = loadDocs(ctx, ids);
  const { index, live } = await readLive(ctx, docs);
  const decisions = docs.map((doc, i) => decidePublish(doc, live[i]!));
  for (const d of decisions) {
    if (d.kind === 'refused') throw d.error;
    if (d.kind === 'unchanged' && ids.length)
      throw new InvalidInputError(d.doc.file, `content is unchanged from the live version ${d.live.version}; nothing to publish (edit the text, then bump version and summary)`);
  }
  return { decisions, etag: index.etag };
}

/** One published document. */
export interface Published {
  doc: string;
  version: string;
  previousVersion: string | null;
  key: string;
  summary: string;
}

/**
 * Uploads the documents (markdown and HTML), then switches index.json to them in one conditional write, then records
 * each in the change log and the audit log. Objects first, index last: readers never see a version that is not there.
 */
export async function applyPublish(ctx: Ctx, docs: readonly LegalDoc[], opts: { etag?: string; via: string }): Promise<Published[]> {
  // With `etag` (also when undefined: "index.json did not exist"), index.json must still be what the plan read.
  if (!docs.length) return [];
  await readyAudit(ctx);
  await ensureLegalBucket(ctx);
  const entries = await mapLimit(docs, ctx.concurrency, (doc) => uploadDoc(ctx, doc));
  const index = await readIndex(ctx);
  if ('etag' in opts && index.etag !== opts.etag) throw new TurnctlError(`index.json in s3://${legalBucket(ctx)} changed since the plan was made; run the command again`);
  const next: LegalIndex = { ...index.entries };
  const previous = docs.map((d) => index.entries[d.id]);
  docs.forEach((d, i) => (next[d.id] = entries[i]!));
  await writeIndex(ctx, next, index.etag);
  const out: Published[] = [];
  for (const [i, doc] of docs.entries()) {
    const e = entries[i]!;
    const prev = previous[i]?.version ?? null;
    await appendChangelog(ctx, { doc: doc.id, action: 'publish', docVersion: doc.version, previousVersion: prev, summary: doc.summary, title: doc.title, effectiveDate: doc.effectiveDate, sha256: doc.sha256, key: e.key, via: opts.via });
    await appendAudit(ctx, { area: 'legal', action: 'publish', target: doc.id, details: { version: doc.version, previousVersion: prev, sha256: doc.sha256, via: opts.via } });
    out.push({ doc: doc.id, version: doc.version, previousVersion: prev, key: e.key, summary: doc.summary });
  }
  return out;
}

/** One row of `legal status`. */
export interface StatusRow {
  doc: string;
  /** up-to-date | changed (publish pending) | unpublished | live-only (no local file) | invalid (the local file has a problem) */
  state: 'up-to-date' | 'changed' | 'unpublished' | 'live-only' | 'invalid';
  localVersion: string | null;
  /** The effective date in the local source (null when there is none or it cannot be read). */
  localEffectiveDate: string | null;
  liveVersion: string | null;
  liveEffectiveDate: string | null;
  problem?: string;
}

/** `legal status`: each document, local against live. */
export async function legalStatus(ctx: Ctx): Promise<StatusRow[]> {
  const docs = legalDocsDir(ctx);
  const ids = listDocIds(docsDir(ctx.project.dir, docs));
  const index = await readIndex(ctx);
  const rows: StatusRow[] = [];
  for (const id of [...new Set([...ids, ...Object.keys(index.entries)])].sort()) {
    const e = index.entries[id];
    const liveVersion = e?.version ?? null;
    const base = { doc: id, liveVersion, liveEffectiveDate: e?.effectiveDate ?? null };
    if (!ids.includes(id)) {
      rows.push({ ...base, state: 'live-only', localVersion: null, localEffectiveDate: null });
      continue;
    }
    let doc: LegalDoc;
    try {
      doc = loadLegalDoc(ctx.project.dir, docs, id);
    } catch (err) {
      rows.push({ ...base, state: 'invalid', localVersion: null, localEffectiveDate: null, problem: (err as Error).message });
      continue;
    }
    const d = decidePublish(doc, { entry: e });
    rows.push({ ...base, localVersion: doc.version, localEffectiveDate: doc.effectiveDate, state: !e ? 'unpublished' : d.kind === 'unchanged' ? 'up-to-date' : 'changed', ...(d.kind === 'refused' ? { problem: d.error.message } : {}) });
  }
  return rows;
}

/** The text compared by `legal diff`: the reader-visible front matter, then the body. */
function diffView(e: { title: string; version: string; effectiveDate: string }, body: string): string {
  return `title: ${e.title}\nversion: ${e.version}\neffectiveDate: ${e.effectiveDate}\n---\n${body}`;
}

/** `legal diff`: a unified diff of the live version against the local source. */
export async function legalDiff(ctx: Ctx, id: string): Promise<{ doc: string; liveVersion: string | null; localVersion: string; changed: boolean; patch: string }> {
  const doc = loadLegalDoc(ctx.project.dir, legalDocsDir(ctx), id);
  const index = await readIndex(ctx);
  const e = index.entries[id];
  const liveBody = e ? ((await getText(ctx, markdownKey(e.key)))?.text ?? '') : '';
  const before = e ? diffView(e, liveBody) : '';
  const after = diffView(doc, doc.body);
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(e ? `live/${id} (${e.version})` : `live/${id} (not published)`, `${doc.file} (${doc.version})`, before, after, undefined, undefined, { context: 3 });
  return { doc: id, liveVersion: e?.version ?? null, localVersion: doc.version, changed: before !== after, patch };
}

/** `legal history`: every publish and rollback of a document, oldest first (and the change-log keys it could not read). */
export async function legalHistory(ctx: Ctx, id: string): Promise<Changelog> {
  if (!DOC_ID.test(id)) throw new InvalidInputError(undefined, `"${id}" is not a document id (lower-case letters, digits, dashes)`);
  const log = await readChangelog(ctx, id);
  if (log.entries.length || log.unreadable.length) return log;
  // No history is an answer for a document that exists (not published yet); for a name that is nowhere it is a typo.
  refuseUnknownDoc(ctx, id, await readIndex(ctx));
  return log;
}

/** A document name that is neither under legal/ nor in index.json is a typo: exit 65 listing the documents. */
function refuseUnknownDoc(ctx: Ctx, id: string, index: IndexSnapshot): void {
  const docs = legalDocsDir(ctx);
  const local = listDocIds(docsDir(ctx.project.dir, docs));
  if (local.includes(id) || index.entries[id]) return;
  const known = [...new Set([...local, ...Object.keys(index.entries)])].sort();
  throw new InvalidInputError(undefined, `no document "${id}": there is no ${docs}/${id}.md and it was never published on stage ${ctx.stage.name}; documents: ${known.join(', ') || 'none'}`);
}

/** A checked rollback, ready to apply. */
export interface RollbackPlan {
  doc: string;
  from: IndexEntry;
  to: IndexEntry;
  etag?: string;
}

/** `legal rollback` (check part): the version must have been published and not be the live one. */
export async function planRollback(ctx: Ctx, id: string, version: string): Promise<RollbackPlan> {
  if (!DOC_ID.test(id)) throw new InvalidInputError(undefined, `"${id}" is not a document id (lower-case letters, digits, dashes)`);
  if (!VERSION_PATTERN.test(version)) throw new InvalidInputError(undefined, `--to "${version}" is not a version; use dotted numbers like 1.0`);
  const index = await readIndex(ctx);
  const from = index.entries[id];
  if (!from) {
    refuseUnknownDoc(ctx, id, index); // a typo (exit 65); a document under legal/ that is not live yet is exit 1
    throw new TurnctlError(`document "${id}" is not published on stage ${ctx.stage.name}; nothing to roll back (see: turnctl legal status --stage ${ctx.stage.name})`);
  }
  // Versions are equal by number (1.1 is 1.1.0, as publish compares them); messages and keys use the published spelling.
  if (compareVersions(from.version, version) === 0) throw new TurnctlError(`version ${from.version} of "${id}" is already live on stage ${ctx.stage.name}`);
  // Published means recorded as published in the change log, not merely stored: a publish stopped between its uploads
  // and the index.json switch (Ctrl-C, a concurrent publish, a network error) leaves objects of a version that was
  // never live, and a rollback must not make that version live without a publish record, summary or checks.
  const versions = [...new Set((await readChangelog(ctx, id)).entries.filter((c) => c.action === 'publish').map((c) => c.docVersion))];
  // Should two spellings of one number both have been published, the later one is taken.
  const published = versions.findLast((v) => compareVersions(v, version) === 0);
  // A version named on the command line that is not there is bad input (65), as an unknown document is for history.
  if (!published) throw new InvalidInputError(undefined, `version ${version} of "${id}" was never published on stage ${ctx.stage.name}; published versions: ${versions.join(', ') || 'none'}`);
  const stored = await storedVersion(ctx, id, published);
  // Published, but its objects were deleted since (by hand, a lifecycle rule): a state of the bucket, not a typo.
  if (!stored)
    throw new TurnctlError(`version ${published} of "${id}" was published on stage ${ctx.stage.name} but s3://${legalBucket(ctx)}/${docKeys(id, published).md} is gone; restore it (and the .html) from the bucket's version history`);
  const { body: _body, ...to } = stored;
  return { doc: id, from, to, etag: index.etag };
}

/** `legal rollback` (apply part): makes the earlier version current in index.json; logged and audited. */
export async function applyRollback(ctx: Ctx, plan: RollbackPlan, opts: { reason?: string; via?: string } = {}): Promise<ChangelogEntry> {
  await readyAudit(ctx);
  const index = await readIndex(ctx);
  if (index.etag !== plan.etag) throw new TurnctlError(`index.json in s3://${legalBucket(ctx)} changed while turnctl was working; run the command again`);
  await writeIndex(ctx, { ...index.entries, [plan.doc]: plan.to }, index.etag);
  const summary = `rolled back from ${plan.from.version} to ${plan.to.version}${opts.reason ? `: ${opts.reason}` : ''}`;
  const entry = await appendChangelog(ctx, { doc: plan.doc, action: 'rollback', docVersion: plan.to.version, previousVersion: plan.from.version, summary, title: plan.to.title, effectiveDate: plan.to.effectiveDate, sha256: plan.to.sha256, key: plan.to.key, via: opts.via ?? 'cli' });
  await appendAudit(ctx, { area: 'legal', action: 'rollback', target: plan.doc, details: { from: plan.from.version, to: plan.to.version, via: opts.via ?? 'cli', ...(opts.reason ? { reason: opts.reason } : {}) } });
  return entry;
}

