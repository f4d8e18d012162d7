/**
 * createrepo_c's primary-file rule (`cr_is_primary`, unchanged from 0.17 to 1.x; formats.md
 * §3.4). yum and dnf expect exactly this set in primary.xml, so it must not be "improved":
 * the `bin/` substring test is deliberately loose (`/usr/lib/cabin/x` matches).
 */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path === '/usr/lib/sendmail' || path.includes('bin/');
}
