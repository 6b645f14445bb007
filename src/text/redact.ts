// Secrets never reach an output (docs/safety.md): the SK and security tokens by value, and whatever a server
// may echo of a signed request (its Authorization header, the signature in it) by shape.

const REDACTED = '[REDACTED]';

/**
 * What a signed request carries that a server may echo back: the Authorization header's value after its
 * algorithm, a `Signature=` value, and a bare SHA-256 in hex (a signature without its label).
 */
const ECHOED: [RegExp, string][] = [
  [/\bSDK-HMAC-SHA256[ \t]+[^\r\n"'}]*/gi, `SDK-HMAC-SHA256 ${REDACTED}`],
  [/\bSignature=[^\s,;"'&}]*/gi, `Signature=${REDACTED}`],
  [/(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g, REDACTED],
];

/** Replaces every occurrence of the given secrets (SK, security token) and every echoed signature in a text. */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = secrets.filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= 4,
  );
  return (text) => {
    const bySecret = values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
    return ECHOED.reduce((out, [shape, replacement]) => out.replace(shape, replacement), bySecret);
  };
}
