import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { isAwsError, TurnctlError } from '../errors.js';
import { appendAudit, callerIdentity } from '../state/audit.js';
import type { LegalDoc } from './document.js';
import { VERSION_PATTERN } from './version.js';

/** One entry of the legal bucket's index.json, as the shipped `legal` function reads it. */
export interface IndexEntry {
  version: string;
  /** sha256 (hex) of the markdown object (`key` with `.md`). */
  sha256: string;
  effectiveDate: string;
  /** Key of the HTML rendering; the markdown sits at the same key with `.md`. */
  key: string;
  title: string;
}
export type LegalIndex = Record<string, IndexEntry>;

/** index.json as read, with the ETag a conditional write needs (undefined when it does not exist yet). */
export interface IndexSnapshot {
  entries: LegalIndex;
  etag?: string;
  bucketExists: boolean;
}

/** One change-log record (one object under changelog/<doc>/, so concurrent appends never overwrite each other). */
export interface ChangelogEntry {
  version: 1;
  at: string;
  /** The caller's STS identity. */
  who: string;
  doc: string;
  /** publish; rollback (an earlier version became current); withdraw (removed from index.json by a release rollback). */
  action: 'publish' | 'rollback' | 'withdraw';
  /** The document version that became current (withdraw: the version removed). */
  docVersion: string;
  previousVersion: string | null;
  summary: string;
  title: string;
  effectiveDate: string;
  sha256: string;
  key: string;
  /** `cli`, `release 1.4.0`, `release 1.4.0 rollback`. */
  via: string;
}

const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const INDEX_KEY = 'index.json';

/** The stage's legal bucket (config `legal.bucket`, default `<project>-<stage>-legal`). */
export function legalBucket(ctx: Ctx): string {
  const name = ctx.stack.legal?.bucket ?? ctx.names.scoped('legal');
  if (!BUCKET_NAME.test(name))
    throw ctx.project.file.error(['legal', 'bucket'], `legal bucket "${name}" (stage ${ctx.stage.name}) is not a valid S3 bucket name; use 3-63 lower-case letters, digits, dots and dashes`);
  return name;
}

/** The docs directory (config `legal.docs`, default `legal`). */
export function legalDocsDir(ctx: Pick<Ctx, 'project' | 'stack'>): string {
  const docs = ctx.stack.legal?.docs ?? 'legal';
  // A directory named in turnctl.yaml that is not there is a typo: every document would read as "not found; create it"
  // and legal status would list the published ones as live-only.
  if (ctx.stack.legal && !existsSync(resolve(ctx.project.dir, docs)))
    throw ctx.project.file.error(['legal', 'docs'], `legal documents directory ${docs} does not exist; fix legal.docs or create it with one <doc-id>.md per document`);
  return docs;
}

/** Object keys of one version of a document. */
export function docKeys(id: string, version: string): { html: string; md: string } {
  return { html: `docs/${id}/${version}.html`, md: `docs/${id}/${version}.md` };
}

/** The markdown key next to an HTML key (as the legal function derives it). */
export function markdownKey(htmlKey: string): string {
  return /\.html?$/.test(htmlKey) ? htmlKey.replace(/\.html?$/, '.md') : `${htmlKey}.md`;
}

async function bucketExists(ctx: Ctx, Bucket: string): Promise<boolean> {
  const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
  try {
    await (await ctx.aws.s3()).send(new HeadBucketCommand({ Bucket }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'NotFound', 'NoSuchBucket', '404')) return false;
    throw err;
  }
}

/** Creates the legal bucket where missing: versioned, public access blocked, encrypted. Audited. */
export async function ensureLegalBucket(ctx: Ctx): Promise<boolean> {
  const Bucket = legalBucket(ctx);
  if (await bucketExists(ctx, Bucket)) return false;
  const s3m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  ctx.progress(`creating legal bucket ${Bucket}`);
  try {
    await s3.send(new s3m.CreateBucketCommand({ Bucket, ...(ctx.stage.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.stage.region as never } }) }));
  } catch (err) {
    if (!isAwsError(err, 'BucketAlreadyOwnedByYou')) throw err;
  }
  await s3.send(new s3m.PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
  await s3.send(new s3m.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new s3m.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
  await appendAudit(ctx, { area: 'legal', action: 'create-bucket', target: Bucket, details: { versioning: 'Enabled', publicAccessBlock: true } });
  return true;
}

/** An object's text, or undefined when the key (or the bucket) does not exist. */
export async function getText(ctx: Ctx, key: string): Promise<{ text: string; etag?: string; metadata: Record<string, string> } | undefined> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const res = await (await ctx.aws.s3()).send(new GetObjectCommand({ Bucket: legalBucket(ctx), Key: key }));
    return { text: await res.Body!.transformToString('utf-8'), etag: res.ETag, metadata: res.Metadata ?? {} };
  } catch (err) {
    if (isAwsError(err, 'NoSuchKey', 'NoSuchBucket', 'NotFound')) return undefined;
    throw err;
  }
}

/** Reads index.json (empty when the bucket or the file does not exist yet). */
export async function readIndex(ctx: Ctx): Promise<IndexSnapshot> {
  const Bucket = legalBucket(ctx);
  const obj = await getText(ctx, INDEX_KEY);
  if (!obj) return { entries: {}, bucketExists: await bucketExists(ctx, Bucket) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(obj.text);
  } catch {
    throw new TurnctlError(`s3://${Bucket}/${INDEX_KEY} is not valid JSON; restore a good version from the bucket's version history`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TurnctlError(`s3://${Bucket}/${INDEX_KEY} is not a JSON object of document ids; restore a good version from the bucket's version history`);
  // The apps and the legal function read every entry: one turnctl cannot read is refused here, not compared as if it
  // were a version (status crashed on it, publish took a versionless entry for "up to date").
  for (const [id, e] of Object.entries(parsed)) {
    const problem = entryProblem(e);
    if (problem) throw new TurnctlError(`s3://${Bucket}/${INDEX_KEY}: entry "${id}" ${problem}; restore a good version from the bucket's version history`);
  }
  return { entries: parsed as LegalIndex, etag: obj.etag, bucketExists: true };
}

/** What is wrong with one index.json entry, or undefined when it has every field the readers use. */
function entryProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'is not an object';
  const r = e as Record<string, unknown>;
  const missing = ['version', 'sha256', 'effectiveDate', 'key', 'title'].filter((k) => typeof r[k] !== 'string' || r[k] === '');
  if (missing.length) return `has no ${missing.join(', ')}`;
  if (!VERSION_PATTERN.test(r.version as string)) return `has version "${r.version as string}", not dotted numbers`;
  return undefined;
}

/**
 * Writes index.json only if it is still the version read (If-Match its ETag, or If-None-Match * when it did not
 * exist), so two publishes never overwrite each other's entries.
 */
export async function writeIndex(ctx: Ctx, entries: LegalIndex, etag: string | undefined): Promise<void> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const sorted = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
  try {
    await (await ctx.aws.s3()).send(
      new PutObjectCommand({
        Bucket: legalBucket(ctx),
        Key: INDEX_KEY,
        Body: `${JSON.stringify(sorted, null, 2)}\n`,
        ContentType: 'application/json',
        CacheControl: 'no-cache',
        ...(etag ? { IfMatch: etag } : { IfNoneMatch: '*' }),
      }),
    );
  } catch (err) {
    if (isAwsError(err, 'PreconditionFailed', 'ConditionalRequestConflict', '412'))
      throw new TurnctlError(`${INDEX_KEY} in s3://${legalBucket(ctx)} changed while turnctl was working (another publish or rollback?); run the command again`);
    throw err;
  }
}

/** S3 user metadata must be ASCII: values are URI-encoded. */
const enc = (s: string) => encodeURIComponent(s);
const dec = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s));

/** Uploads one version of a document: the markdown body and its HTML rendering, with the front matter as metadata. */
export async function uploadDoc(ctx: Ctx, doc: LegalDoc): Promise<IndexEntry> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const keys = docKeys(doc.id, doc.version);
  const Metadata = { title: enc(doc.title), version: doc.version, 'effective-date': doc.effectiveDate, sha256: doc.sha256, lang: doc.lang };
  const Bucket = legalBucket(ctx);
  await s3.send(new PutObjectCommand({ Bucket, Key: keys.md, Body: doc.body, ContentType: 'text/markdown; charset=utf-8', Metadata }));
  const { renderHtml } = await import('./render.js'); // marked: only when publishing, not in every plan
  await s3.send(new PutObjectCommand({ Bucket, Key: keys.html, Body: renderHtml(doc), ContentType: 'text/html; charset=utf-8', Metadata }));
  return { version: doc.version, sha256: doc.sha256, effectiveDate: doc.effectiveDate, key: keys.html, title: doc.title };
}

/** One published version as stored in the bucket (read back from its markdown object), or undefined. */
export async function storedVersion(ctx: Ctx, id: string, version: string): Promise<(IndexEntry & { body: string }) | undefined> {
  const keys = docKeys(id, version);
  const obj = await getText(ctx, keys.md);
  if (!obj) return undefined;
  const { sha256 } = await import('./document.js');
  return {
    version,
    sha256: sha256(obj.text),
    effectiveDate: obj.metadata['effective-date'] ?? '',
    key: keys.html,
    title: dec(obj.metadata.title) ?? id,
    body: obj.text,
  };
}

/** Appends a change-log record (who = the caller's STS identity). */
export async function appendChangelog(ctx: Ctx, entry: Omit<ChangelogEntry, 'version' | 'at' | 'who'>): Promise<ChangelogEntry> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const full: ChangelogEntry = { version: 1, at: new Date().toISOString(), who: await callerIdentity(ctx), ...entry };
  const key = `changelog/${entry.doc}/${full.at.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.json`;
  await (await ctx.aws.s3()).send(new PutObjectCommand({ Bucket: legalBucket(ctx), Key: key, Body: `${JSON.stringify(full, null, 2)}\n`, ContentType: 'application/json' }));
  return full;
}

/** A document's change log: its records oldest first, and the keys under its prefix that are not a record. */
export interface Changelog {
  entries: ChangelogEntry[];
  unreadable: string[];
}

/** True when a parsed object is a change-log record turnctl can show and sort (version 1, the fields it reads). */
function isRecord(v: unknown): v is ChangelogEntry {
  const r = v as Partial<ChangelogEntry> | null;
  return Boolean(r) && typeof r === 'object' && r!.version === 1 && [r!.at, r!.doc, r!.action, r!.docVersion].every((f) => typeof f === 'string');
}

/**
 * The change log of one document, oldest first (all pages). An object there that is not a record (damaged, edited by
 * hand, of a newer format) is left out and named in `unreadable`, so one bad object does not stop history or publish.
 */
export async function readChangelog(ctx: Ctx, id: string): Promise<Changelog> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  try {
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: legalBucket(ctx), Prefix: `changelog/${id}/`, ContinuationToken }));
      for (const o of res.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
  } catch (err) {
    if (isAwsError(err, 'NoSuchBucket')) return { entries: [], unreadable: [] };
    throw err;
  }
  const { mapLimit } = await import('../aws/clients.js');
  const unreadable: string[] = [];
  const entries = await mapLimit(keys, ctx.concurrency, async (k) => {
    const obj = await getText(ctx, k);
    if (!obj) return undefined; // deleted since the listing
    let parsed: unknown;
    try {
      parsed = JSON.parse(obj.text);
    } catch {
      parsed = undefined;
    }
    if (isRecord(parsed)) return parsed;
    unreadable.push(k);
    return undefined;
  });
  return {
    entries: entries.filter((e): e is ChangelogEntry => Boolean(e)).sort((a, b) => a.at.localeCompare(b.at)),
    unreadable: unreadable.sort(),
  };
}
