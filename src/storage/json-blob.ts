/**
 * Small JSON documents in the blob store (configs, records, audit entries). Bodies are tiny, so
 * reading them whole is fine; package bytes and metadata never go through here.
 */
import { BerthError } from '../core/errors.js';
import type { BlobStore, PutOptions } from './blob-store.js';

export class CorruptRecordError extends BerthError {
  override name = 'CorruptRecordError';
  static readonly CODE = 'corrupt_record';
  constructor(key: string, why: string) {
    super(CorruptRecordError.CODE, `stored record ${key} is unreadable: ${why}`);
  }
}

export async function readText(store: BlobStore, key: string): Promise<{ text: string; etag: string } | null> {
  const obj = await store.get(key);
  if (!obj) return null;
  const text = await new Response(obj.body).text();
  return { text, etag: obj.etag };
}

export async function readJson<T>(store: BlobStore, key: string): Promise<{ value: T; etag: string } | null> {
  const got = await readText(store, key);
  if (!got) return null;
  try {
    return { value: JSON.parse(got.text) as T, etag: got.etag };
  } catch (err) {
    throw new CorruptRecordError(key, err instanceof Error ? err.message : String(err));
  }
}

export async function writeJson(store: BlobStore, key: string, value: unknown, options: PutOptions = {}): Promise<string> {
  const body = new TextEncoder().encode(JSON.stringify(value));
  const { etag } = await store.put(key, body, { contentType: 'application/json', ...options });
  return etag;
}
