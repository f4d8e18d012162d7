/**
 * The Worker's cron triggers, by what each one does. `scheduled` gets the expression that fired,
 * exactly as written in wrangler.jsonc `triggers.crons` (test/cloudflare checks the two agree).
 * Kept out of worker.ts: every named export of a Worker's main module must be a handler.
 */
export const GC_CRON = '17 * * * *';
export const MIRROR_CRON = '*/5 * * * *';
