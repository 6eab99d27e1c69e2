import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../lib/errors.js';

/** One entry of the legal bucket's index.json (written by `turnctl legal publish`). */
export interface IndexEntry {
  version: string;
  sha256: string;
  effectiveDate: string;
  /** Object key of the HTML rendering; the markdown source sits next to it with `.md`. */
  key: string;
}

let s3: S3Client | undefined;

/** The container's S3 client; path-style when an endpoint override (the local sandbox) is configured. */
function client(): S3Client {
  const endpointOverride = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  return (s3 ??= new S3Client({ forcePathStyle: endpointOverride }));
}

function bucket(): string {
  const b = process.env.LEGAL_BUCKET?.trim();
  if (!b) throw new ConfigError('LEGAL_BUCKET is not set');
  return b;
}

/** The object's text, or undefined when the key does not exist. */
async function getText(key: string): Promise<string | undefined> {
  try {
    const out = await client().send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    return await out.Body!.transformToString('utf-8');
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

/** The current legal documents by id; empty before anything was published. */
export async function readIndex(): Promise<Record<string, IndexEntry>> {
  const text = await getText('index.json');
  if (text === undefined) return {};
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('legal index.json is not a JSON object');
  const index: Record<string, IndexEntry> = {};
  for (const [id, e] of Object.entries(parsed as Record<string, Partial<IndexEntry>>)) {
    if (e && typeof e.key === 'string' && e.version !== undefined) {
      index[id] = { version: String(e.version), sha256: String(e.sha256 ?? ''), effectiveDate: String(e.effectiveDate ?? ''), key: e.key };
    }
  }
  return index;
}

/** The key of a document's markdown source, next to its HTML rendering. */
export function markdownKey(htmlKey: string): string {
  return /\.html?$/.test(htmlKey) ? htmlKey.replace(/\.html?$/, '.md') : `${htmlKey}.md`;
}

/** A document's body in one format, or undefined when that object is missing. */
export async function readDocument(entry: IndexEntry, format: 'html' | 'markdown'): Promise<string | undefined> {
  return getText(format === 'html' ? entry.key : markdownKey(entry.key));
}
