/**
 * The R2 bucket binding as the Worker uses it:
 * - a count of the calls made through it. Every R2 call (get, head, put, delete, list, and each
 *   step of a multipart upload) is a subrequest, and a Worker invocation may make only so many
 *   (docs/cloudflare.md, Limits): the queue handler logs how many calls a regeneration made, so
 *   an operator sees how close a repo is to the limit;
 * - each call's result handed back on a new macrotask (a zero timer). A regeneration is a long
 *   chain of R2 calls; when R2 answers at once (locally, the simulator runs on the same thread)
 *   the chain never let go of the isolate, and its other events waited for the whole
 *   regeneration: requests and the inspector waited 33-134 s at 200,000 packages. With the
 *   yield they are served between two calls (the longest wait fell to 0.3-0.5 s).
 */
import type { R2BucketLike, R2MultipartUploadLike } from '../../storage/r2-store.js';

export interface CallCount {
  /** Calls started through the bucket so far (all requests of this isolate). */
  calls: number;
}

export function countedBucket(bucket: R2BucketLike, count: CallCount): R2BucketLike {
  const one = async <T>(p: Promise<T>): Promise<T> => {
    count.calls++;
    const v = await p;
    await new Promise((r) => setTimeout(r, 0));
    return v;
  };
  const upload = (u: R2MultipartUploadLike): R2MultipartUploadLike => ({
    uploadPart: (...a) => one(u.uploadPart(...a)),
    abort: () => one(u.abort()),
    complete: (...a) => one(u.complete(...a)),
  });
  return {
    head: (...a) => one(bucket.head(...a)),
    get: (...a) => one(bucket.get(...a)),
    put: (...a) => one(bucket.put(...a)),
    delete: (...a) => one(bucket.delete(...a)),
    list: (...a) => one(bucket.list(...a)),
    createMultipartUpload: async (...a) => upload(await one(bucket.createMultipartUpload(...a))),
  };
}
