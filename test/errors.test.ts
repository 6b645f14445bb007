// One error base (src/errors/cleanup-error.ts): a stable code on every error the tool raises on purpose, and
// the original error kept as its cause.
import { describe, expect, it } from 'vitest';
import { InputError, inputErrorFrom } from '../src/config/errors.js';
import { loadConfigFile } from '../src/config/load.js';
import { parseConfig } from '../src/config/resolve.js';
import { DcsError, errorFromTransport, malformedError, notSentError } from '../src/dcs/errors.js';
import { deleteTaskPath, RequestPathError } from '../src/dcs/paths.js';
import { CleanupError } from '../src/errors/cleanup-error.js';
import { NotSentError, TransportError } from '../src/http/request.js';
import { AlertNotPublishedError } from '../src/lambda/publish.js';
import { ContradictoryListingError } from '../src/policy/stream.js';
import { PROJECT } from './helpers.js';

describe('errors', () => {
  it('every error the tool raises has a stable code on the one base', () => {
    const network = new TransportError('network', 'network error: ECONNRESET');
    const errors: [CleanupError, string][] = [
      [InputError.of('x', 'bad'), 'INPUT_INVALID'],
      [new TransportError('tls', 'TLS error'), 'TRANSPORT_TLS'],
      [network, 'TRANSPORT_NETWORK'],
      [new NotSentError('budget', 'the time budget ran out'), 'NOT_SENT'],
      [errorFromTransport(network, (text) => text), 'DCS_NETWORK'],
      [malformedError('no', 200, 1), 'DCS_MALFORMED'],
      [notSentError('stopped'), 'DCS_NOT_SENT'],
      [
        new DcsError({
          kind: 'http',
          httpStatus: 404,
          errorCode: null,
          detail: null,
          requestId: null,
          attempts: 1,
        }),
        'DCS_HTTP',
      ],
      [new ContradictoryListingError('x'), 'LISTING_CONTRADICTORY'],
      [new AlertNotPublishedError('x'), 'ALERT_NOT_PUBLISHED'],
    ];
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(CleanupError);
      expect(error.code).toBe(code);
    }
    expect(() => deleteTaskPath(PROJECT, 'e2a3b1c0-1111-4222-8333-944455556666', '../x')).toThrow(
      RequestPathError,
    );
  });

  it('keeps what caused it', async () => {
    const network = new TransportError('network', 'network error: ECONNRESET');
    expect(errorFromTransport(network, (text) => text).cause).toBe(network);
    const zod = (() => {
      try {
        parseConfig({ dryRun: 'yes' });
      } catch (error) {
        return error as InputError;
      }
    })();
    expect(zod?.cause).toBeDefined();
    const missing = await loadConfigFile('/no/such/file.json').catch((error) => error);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(inputErrorFrom).toBeTypeOf('function');
  });
});
