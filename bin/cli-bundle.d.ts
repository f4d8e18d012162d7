/** Types of bin/cli-bundle.js, for the tests and benchmarks that import it. */
export declare const BUNDLE_DIR: string;
export declare const MANIFEST: string;
export declare function freshBundle(root: string, dir?: string): string | null;
