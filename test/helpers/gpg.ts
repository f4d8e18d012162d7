// Throwaway OpenPGP keys for tests: generated once per test process in a private GNUPGHOME,
// never touching the user's keyring. RSA 3072 and Ed25519, both without passphrase.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { findTool } from './tools.js';

export type KeyKind = 'rsa' | 'ed25519';

export interface TestKey {
  kind: KeyKind;
  uid: string;
  fingerprint: string;
  /** 16 hex digits, lower case: what rpm prints as "key ID". */
  keyId: string;
  armoredPublicKey: string;
  /** The exported public key written to a file (for dnf `gpgkey=file://…` and `rpmkeys --import`). */
  publicKeyFile: string;
}

export interface TestKeyring {
  home: string;
  rsa: TestKey;
  ed25519: TestKey;
  env: Record<string, string>;
}

const UIDS: Record<KeyKind, string> = {
  rsa: 'Berth Test RSA <rsa@test>',
  ed25519: 'Berth Test Ed25519 <ed25519@test>',
};
const ALGOS: Record<KeyKind, string> = { rsa: 'rsa3072', ed25519: 'ed25519' };

let keyring: Promise<TestKeyring> | null = null;

function gpgPath(): string {
  return findTool('gpg') ?? '/usr/bin/gpg';
}

async function gpg(home: string, args: readonly string[]): Promise<string> {
  const r = await run(gpgPath(), ['--homedir', home, '--batch', '--no-tty', '--quiet', ...args]);
  return r.stdout;
}

async function makeKey(home: string, kind: KeyKind): Promise<TestKey> {
  const uid = UIDS[kind];
  await gpg(home, ['--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', uid, ALGOS[kind], 'sign', 'never']);
  const colons = await gpg(home, ['--with-colons', '--list-keys', uid]);
  const fpr = colons.split('\n').find((l) => l.startsWith('fpr:'))?.split(':')[9];
  if (fpr === undefined || fpr === '') throw new Error(`no fingerprint for ${uid}:\n${colons}`);
  const armoredPublicKey = await gpg(home, ['--armor', '--export', uid]);
  const publicKeyFile = join(home, `${kind}.pub.asc`);
  writeFileSync(publicKeyFile, armoredPublicKey);
  return { kind, uid, fingerprint: fpr.toLowerCase(), keyId: fpr.slice(-16).toLowerCase(), armoredPublicKey, publicKeyFile };
}

/**
 * Stops the gpg-agent (and any other gpg daemon) started for `home`. `gpgconf --kill` looks for the
 * socket in /run/user/<uid>/gnupg when that exists, which misses an agent started before it was
 * created; so the agent whose command line names this exact homedir is also signalled by pid.
 */
export function stopAgent(home: string): void {
  const gpgconf = findTool('gpgconf');
  if (gpgconf !== null) spawnSync(gpgconf, ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return;
  }
  for (const pid of pids) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.indexOf('--homedir');
    if (/(^|\/)(gpg-agent|dirmngr|keyboxd)$/.test(argv[0] ?? '') && i >= 0 && argv[i + 1] === home) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

/** The per-process test keyring (both keys), created on first use. */
export function testKeyring(): Promise<TestKeyring> {
  keyring ??= (async () => {
    // Short path: gpg-agent's socket lives in GNUPGHOME and Unix socket paths are limited to ~108 bytes.
    const home = mkdtempSync(join(tmpdir(), 'bgpg-'));
    writeFileSync(join(home, 'gpg-agent.conf'), 'allow-loopback-pinentry\n', { mode: 0o600 });
    const rsa = await makeKey(home, 'rsa');
    const ed25519 = await makeKey(home, 'ed25519');
    return { home, rsa, ed25519, env: { GNUPGHOME: home } };
  })();
  return keyring;
}

/** Stops the keyring's gpg-agent and deletes it. Call from `afterAll` in files that use keys. */
export async function disposeTestKeyring(): Promise<void> {
  if (keyring === null) return;
  const pending = keyring;
  keyring = null;
  const kr = await pending.catch(() => null);
  if (kr === null) return;
  stopAgent(kr.home);
  rmSync(kr.home, { recursive: true, force: true });
}

/** Writes `<file>.asc`: an armored detached signature over the exact bytes of `file`. */
export async function detachSign(file: string, kind: KeyKind = 'rsa'): Promise<string> {
  const kr = await testKeyring();
  const out = `${file}.asc`;
  rmSync(out, { force: true });
  await gpg(kr.home, ['--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', kr[kind].fingerprint, '--armor', '--detach-sign', '--output', out, file]);
  return out;
}

/** Signs RPMs in place with rpmsign (header+payload v4 signature, as rpm 4.18 does). */
export async function rpmSign(files: readonly string[], kind: KeyKind = 'rsa'): Promise<void> {
  if (files.length === 0) return;
  const kr = await testKeyring();
  const rpmsign = findTool('rpmsign');
  if (rpmsign === null) throw new Error('rpmsign not installed');
  await run(rpmsign, [
    '--addsign',
    '--define', `_gpg_name ${kr[kind].fingerprint}`,
    '--define', `_gpg_path ${kr.home}`,
    // Debian's rpm macros call /usr/bin/gpg2, which does not exist there.
    '--define', `__gpg ${gpgPath()}`,
    ...files,
  ], { env: kr.env });
}
