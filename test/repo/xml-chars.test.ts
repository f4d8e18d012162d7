// Publish refuses a package holding a character XML 1.0 forbids (422 unrepresentable_metadata,
// nothing stored), so one package can no longer make a repo's primary.xml unloadable; characters
// XML allows, however odd, are accepted and the served primary.xml stays well-formed (saxes
// refuses exactly what libxml2 and expat refuse).
import { gunzipSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../src/http/errors.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { repodataKey } from '../../src/storage/keys.js';
import { customRpm } from './custom-rpm.js';
import { makeWorld, publish, readBlob, snapshot } from './support.js';

function xmlErrors(xml: string): string[] {
  const errors: string[] = [];
  const p = new SaxesParser({ xmlns: true });
  p.on('error', (e) => errors.push(e.message));
  p.write(xml).close();
  return errors;
}

async function servedFiles(w: Awaited<ReturnType<typeof makeWorld>>): Promise<Record<string, string>> {
  await w.sink.idle();
  const gen = await currentGeneration(w.store, 'acme', 'open');
  if (!gen) throw new Error('no generation');
  const out: Record<string, string> = { repomd: gen.record.repomd };
  for (const href of gen.record.repomd.matchAll(/<location href="repodata\/([^"]+)"/g)) {
    const bytes = await readBlob(w.store, repodataKey('acme', 'open', href[1]!));
    out[href[1]!] = gunzipSync(bytes!).toString('utf8');
  }
  return out;
}

describe('characters XML 1.0 forbids, at publish', () => {
  it('refuses U+FFFE / U+FFFF / C0 controls in any field with 422 unrepresentable_metadata, storing nothing', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: true }]);
    await publish(w, 'open', customRpm({ name: 'fine' }));
    const before = await snapshot(w.store);
    const bad = [
      customRpm({ name: 'a', summary: 'bad \uFFFE' }),
      customRpm({ name: 'b', description: 'bad \uFFFF' }),
      customRpm({ name: 'c\uFFFE' }),
      customRpm({ name: 'd', summary: 'bell \u0007' }),
    ];
    for (const bytes of bad) {
      const err = await publish(w, 'open', bytes).then(() => null, (e: unknown) => e);
      const p = toProblem(err);
      expect(p).toMatchObject({ status: 422, code: 'unrepresentable_metadata' });
      expect(p?.detail).toMatch(/U\+(FFFE|FFFF|0007)/);
    }
    expect(await snapshot(w.store)).toEqual(before);
    for (const [name, xml] of Object.entries(await servedFiles(w))) expect(xmlErrors(xml), name).toEqual([]);
  });

  it('accepts the noncharacters XML allows (U+FDD0…U+FDEF, U+1FFFE) and C1 controls; served XML stays well-formed', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: true }]);
    const odd = '\uFDD0\uFDEF\u{1FFFE}\u0085\u{10FFFF}😀';
    const r = await publish(w, 'open', customRpm({ name: 'odd', summary: `odd ${odd}`, description: `d ${odd}` }));
    expect(r.status).toBe(201);
    const files = await servedFiles(w);
    const primary = Object.entries(files).find(([n]) => n.endsWith('-primary.xml.gz'))?.[1] as string;
    expect(primary).toContain(`<summary>odd ${odd}</summary>`);
    for (const [name, xml] of Object.entries(files)) expect(xmlErrors(xml), name).toEqual([]);
  });
});
