// A CCE pod's identity (docs/credentials.md, dcs-api.md §10.5): the pod-identity agent trades the pod's
// projected token for the agency's temporary credentials.
import { MAX_TOKEN_FILE_BYTES } from '../bounds/limits.js';
import { readRegularFile } from '../files/regular-file.js';
import type { Clock } from '../time/clock.js';
import { ANSWER_SHAPES, parseCredentials } from './answers.js';
import { CredentialsError } from './errors.js';
import { answerError, type IdentityCall } from './identity-http.js';
import type { Fetch } from './refresh.js';

type Env = Record<string, string | undefined>;

export function ccePodIdentity(call: IdentityCall, env: Env, clock: Clock): Fetch {
  return async (noteSecret) => {
    const url = env.HC_CONTAINER_CREDENTIALS_FULL_URI;
    const tokenFile = env.HC_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const missing = [
      ...(url ? [] : ['HC_CONTAINER_CREDENTIALS_FULL_URI']),
      ...(tokenFile ? [] : ['HC_CONTAINER_AUTHORIZATION_TOKEN_FILE']),
    ];
    if (!url || !tokenFile) {
      throw new CredentialsError(
        `pod identity is not set up: ${missing.join(' and ')} not set (is the service account bound to an agency?)`,
        false,
      );
    }
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new CredentialsError('HC_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL', false);
    // Read at every renewal: the kubelet rotates the projected token.
    const token = await readToken(tokenFile, 'HC_CONTAINER_AUTHORIZATION_TOKEN_FILE');
    noteSecret(token);
    const what = `the pod identity endpoint (${new URL(url).origin})`;
    const answer = await call({
      what,
      url,
      method: 'POST',
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (answer.status < 200 || answer.status >= 300) throw answerError(what, answer);
    const { issued } = parseCredentials(
      answer.text,
      ANSWER_SHAPES.podIdentity,
      clock.now(),
      what,
      noteSecret,
    );
    return { ...issued, facts: {} };
  };
}

/**
 * A token file's contents, trimmed; a clear error when it is missing, unreadable, empty, not a regular file or
 * larger than a token can be (IAM takes 20,000 characters; a FIFO or /dev/zero is never read).
 */
export async function readToken(path: string, field: string): Promise<string> {
  let read: Awaited<ReturnType<typeof readRegularFile>>;
  try {
    read = await readRegularFile(path, MAX_TOKEN_FILE_BYTES);
  } catch (error) {
    throw new CredentialsError(
      `${field}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      false,
      { cause: error },
    );
  }
  if ('refused' in read) throw new CredentialsError(`${field}: ${path} ${read.refused}`, false);
  const token = read.text.trim();
  if (!token) throw new CredentialsError(`${field}: ${path} is empty`, false);
  return token;
}
