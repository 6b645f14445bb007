// An ECS instance's agency through the metadata service (docs/credentials.md, dcs-api.md §10.2): an optional
// session token, then the security key.
import type { Clock } from '../time/clock.js';
import { ANSWER_SHAPES, parseCredentials } from './answers.js';
import { CredentialsError } from './errors.js';
import { answerError, type IdentityCall } from './identity-http.js';
import type { Fetch } from './refresh.js';

export const METADATA_BASE = 'http://169.254.169.254';
/** The metadata service's answer when the instance has no agency. */
const NO_AGENCY = 'Please configure Cloud Service Agency first';
/** Session tokens are asked for 6 hours, as the official SDKs do. */
const TOKEN_TTL_SECONDS = '21600';

export function ecsAgency(call: IdentityCall, base: string, clock: Clock): Fetch {
  return async (noteSecret) => {
    const what = `the ECS metadata service (${base})`;
    const tokenAnswer = await call({
      what,
      url: `${base}/meta-data/latest/api/token`,
      method: 'PUT',
      headers: { 'X-Metadata-Token-Ttl-Seconds': TOKEN_TTL_SECONDS },
    });
    let token: string | undefined;
    if (tokenAnswer.status >= 200 && tokenAnswer.status < 300) {
      token = tokenAnswer.text.trim();
      noteSecret(token);
    } else if (![404, 405, 503].includes(tokenAnswer.status)) {
      // 404, 405, 503: a metadata service without session tokens; carry on without one.
      throw answerError(`${what}, asked for a session token,`, tokenAnswer);
    }
    const answer = await call({
      what,
      url: `${base}/openstack/latest/securitykey`,
      method: 'GET',
      headers: token ? { 'X-Metadata-Token': token } : {},
    });
    if (answer.status === 401 && answer.text.includes(NO_AGENCY)) {
      throw new CredentialsError(
        `${what}: this ECS instance has no agency ("${NO_AGENCY}"): attach an agency with the DCS policy to the instance`,
        false,
      );
    }
    if (answer.status < 200 || answer.status >= 300) throw answerError(what, answer);
    const { issued } = parseCredentials(answer.text, ANSWER_SHAPES.metadata, clock.now(), what, noteSecret);
    return { ...issued, facts: {} };
  };
}
