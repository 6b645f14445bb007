// src/http/undici.ts loads two of undici's internal modules (to keep fetch, WebSocket and the rest out of the
// Lambda bundle). Internals move between versions without notice, so undici is pinned to one exact version,
// and this test says so clearly when the pin or a path no longer holds.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const require = createRequire(join(ROOT, 'package.json'));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('undici internals', () => {
  it('undici is pinned to an exact version, and that version is installed', () => {
    const pinned: string = manifest.devDependencies.undici;
    expect(
      pinned,
      'package.json must pin undici exactly (no ^ or ~): src/http/undici.ts imports its internals',
    ).toMatch(/^\d+\.\d+\.\d+$/);
    expect(require('undici/package.json').version).toBe(pinned);
  });

  it.each([
    ['undici/lib/api/api-request.js', 'function'],
    ['undici/lib/dispatcher/agent.js', 'function'],
  ])('%s still exists and exports a %s', (path, type) => {
    let loaded: unknown;
    expect(() => {
      loaded = require(path);
    }, `${path} moved: update src/http/undici.ts (and its .d.ts) to the pinned undici's layout`).not.toThrow();
    expect(typeof loaded).toBe(type);
  });
});
