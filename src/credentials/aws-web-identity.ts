// An id token from AWS STS GetWebIdentityToken (outbound identity federation; dcs-api.md §10.4): the
// Lambda's keyless path. The AWS SDK takes its own credentials, region and endpoint settings from the
// environment (AWS_REGION, AWS_ENDPOINT_URL_STS), and is loaded only when a config asks for it.
import { CredentialsError } from './errors.js';

/** Tokens are asked for 5 minutes: each is used once, at once. */
const TOKEN_SECONDS = 300;

export async function awsWebIdentityToken({
  audience,
  signingAlgorithm,
}: {
  audience: string;
  signingAlgorithm: 'RS256' | 'ES384';
}): Promise<string> {
  const { STSClient, GetWebIdentityTokenCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({});
  try {
    const answer = await client.send(
      new GetWebIdentityTokenCommand({
        Audience: [audience],
        SigningAlgorithm: signingAlgorithm,
        DurationSeconds: TOKEN_SECONDS,
      }),
    );
    if (!answer.WebIdentityToken) throw new CredentialsError('AWS STS sent no WebIdentityToken', false);
    return answer.WebIdentityToken;
  } catch (error) {
    if (error instanceof CredentialsError) throw error;
    const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    const status = $metadata?.httpStatusCode;
    // The SDK already retried what it deems transient; a 5xx or a network failure may still pass later.
    throw new CredentialsError(
      `AWS STS GetWebIdentityToken failed: ${name}: ${message}`,
      status === undefined || status >= 500 || status === 429,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
