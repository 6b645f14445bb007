// The console test events shipped in infra/console-events must be accepted by the deployed example config.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/config/load.js';
import { checkBeforeDiscovery, narrowTargets } from '../src/config/narrowing.js';
import { parseInvocation } from '../src/lambda/invocation.js';

const INFRA = join(import.meta.dirname, '..', 'infra');
const config = parseConfigText(readFileSync(join(INFRA, 'config', 'cleanup.json'), 'utf8'), 'cleanup.json');

describe('console test events', () => {
  it.each(readdirSync(join(INFRA, 'console-events')))('%s is a valid invocation', (file) => {
    const event = JSON.parse(readFileSync(join(INFRA, 'console-events', file), 'utf8'));
    const invocation = parseInvocation(event);
    if (invocation.kind === 'doctor') return;
    const { narrowing } = invocation.request;
    expect(() => checkBeforeDiscovery(config, narrowing)).not.toThrow();
    // The instance ids the events name are the example's `instances` entries: known without discovery.
    expect(() => narrowTargets(config.targets, narrowing?.instanceIds ? narrowing : undefined)).not.toThrow();
  });

  it('the example config starts in dry-run', () => {
    expect(config.dryRun).toBe(true);
  });
});
