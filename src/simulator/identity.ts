// What the identity sources call (docs/credentials.md), served by the simulator on loopback: an OIDC issuer
// (discovery document, JWKS, signed token files), IAM's AssumeAgencyWithOIDC verifying tokens against a
// provider's JWKS, the ECS metadata service, a CCE pod-identity endpoint and AWS STS GetWebIdentityToken.
// Every answer issues temporary credentials that the DCS side accepts only with their token, until they expire.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Credentials } from '../model/credentials.js';
import { awsStsAnswer, type Issuer, issuer, sign } from './oidc-issuer.js';
import { apiError, type Reply } from './reply.js';

/** An AWS account and role, as GetWebIdentityToken names the caller. */
export { SIMULATED_AWS_ROLE } from './oidc-issuer.js';
export const SIMULATED_ACCOUNT_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

export const IDENTITY_PATHS = {
  oidcIssuer: '/oidc',
  awsIssuer: '/aws-oidc',
  awsSts: '/aws-sts',
  assumeWithOidc: '/v5/agencies/assume-with-oidc',
  metadataToken: '/meta-data/latest/api/token',
  securityKey: '/openstack/latest/securitykey',
  podIdentity: '/pod-identity/credentials',
} as const;

export interface IdentityOptions {
  /** How long issued credentials last (`simulate --serve --credential-lifetime`); default: as asked, or 1 h. */
  credentialLifetimeMs?: number;
  /** The OIDC providers' client id (the token's `aud` they accept). */
  audience?: string;
  /** The metadata service: session tokens required (IMDSv2-like), offered, or unknown (404). */
  metadataTokens?: 'required' | 'optional' | 'none';
  /** The ECS instance has no agency: the metadata service says so. */
  noAgency?: boolean;
  /** The trust policy's oidc:sub condition; any subject when absent. */
  allowedSubjects?: readonly string[];
  /** The first this many credentials issued are revoked at once: the DCS side answers 401 to them. */
  revokeFirst?: number;
}

export interface IdentityCounts {
  metadata: number;
  assumeWithOidc: number;
  podIdentity: number;
  awsSts: number;
}

/** What a test makes an identity route answer instead (hostile answers), or 'hang'. */
export type IdentityOverride = (route: keyof IdentityCounts) => Reply | 'hang' | undefined;

export class IdentityService {
  readonly counts: IdentityCounts = { metadata: 0, assumeWithOidc: 0, podIdentity: 0, awsSts: 0 };
  /** Every set of credentials issued, and every id token subject assumed (what tests look for). */
  readonly issued: Required<Credentials>[] = [];
  readonly subjects: string[] = [];
  override: IdentityOverride | undefined;
  readonly #options: IdentityOptions;
  readonly #now: () => number;
  readonly #register: (credentials: Credentials, expiresAtMs: number) => void;
  readonly #metadataTokens = new Set<string>();
  /** The pod's projected token the pod-identity endpoint accepts. */
  readonly podToken = `pod-${randomBytes(24).toString('base64url')}`;
  #issuers: { oidc: Issuer; aws: Issuer } | undefined;

  constructor(
    options: IdentityOptions,
    now: () => number,
    register: (credentials: Credentials, expiresAtMs: number) => void,
  ) {
    this.#options = options;
    this.#now = now;
    this.#register = register;
  }

  /** Makes the issuers' keys: once the server knows its origin. */
  async start(origin: string): Promise<void> {
    this.#issuers = {
      oidc: await issuer(`${origin}${IDENTITY_PATHS.oidcIssuer}`),
      aws: await issuer(`${origin}${IDENTITY_PATHS.awsIssuer}`),
    };
  }

  get audience(): string {
    return this.#options.audience ?? 'dcs-task-cleanup';
  }

  /** The provider and agency URNs a config names. */
  get urns() {
    return {
      provider: `iam::${SIMULATED_ACCOUNT_ID}:oidcProvider:simulated`,
      awsProvider: `iam::${SIMULATED_ACCOUNT_ID}:oidcProvider:aws`,
      agency: `iam::${SIMULATED_ACCOUNT_ID}:agency:dcs-task-cleanup`,
    };
  }

  /** A signed id token of the simulated OIDC issuer (as a Kubernetes or CI issuer would write it). */
  async idToken(claims: {
    sub: string;
    aud?: string;
    lifetimeSeconds?: number;
    exp?: number;
  }): Promise<string> {
    const now = Math.floor(this.#now() / 1000);
    return sign(this.#issuer('oidc'), {
      sub: claims.sub,
      aud: claims.aud ?? this.audience,
      iat: now,
      exp: claims.exp ?? now + (claims.lifetimeSeconds ?? 3600),
    });
  }

  /** Writes a fresh id token to `path`, as a projected service-account token is rotated. */
  async writeTokenFile(path: string, claims: { sub: string; aud?: string; lifetimeSeconds?: number }) {
    await writeFile(path, await this.idToken(claims), { mode: 0o600 });
  }

  /** The answer for an identity route, or undefined when the path is none of them. */
  async answer(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: string,
  ) {
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const routed = this.#route(method, path);
    if (!routed) return undefined;
    if (routed === 'document') return this.#document(path);
    this.counts[routed]++;
    const override = this.override?.(routed);
    if (override) return override;
    switch (routed) {
      case 'metadata':
        return this.#metadata(path, header('x-metadata-token'));
      case 'podIdentity':
        return header('authorization') === this.podToken
          ? this.#issue('podIdentity', 3600)
          : apiError(401, 'CCE.01401', 'the pod token is not valid');
      case 'awsSts':
        return awsStsAnswer(body, header('authorization'), this.#issuer('aws'), this.#now());
      case 'assumeWithOidc':
        return this.#assumeWithOidc(body);
    }
  }

  #route(method: string, path: string): keyof IdentityCounts | 'document' | undefined {
    if (
      method === 'GET' &&
      (path.startsWith(`${IDENTITY_PATHS.oidcIssuer}/`) || path.startsWith(`${IDENTITY_PATHS.awsIssuer}/`))
    )
      return 'document';
    if (
      (method === 'PUT' && path === IDENTITY_PATHS.metadataToken) ||
      (method === 'GET' && path === IDENTITY_PATHS.securityKey)
    )
      return 'metadata';
    if (method === 'POST' && path === IDENTITY_PATHS.podIdentity) return 'podIdentity';
    if (method === 'POST' && path === IDENTITY_PATHS.assumeWithOidc) return 'assumeWithOidc';
    if (method === 'POST' && (path === IDENTITY_PATHS.awsSts || path === `${IDENTITY_PATHS.awsSts}/`))
      return 'awsSts';
    return undefined;
  }

  /** The issuers' discovery documents and key sets. */
  #document(path: string): Reply {
    for (const which of ['oidc', 'aws'] as const) {
      const { url, jwks } = this.#issuer(which);
      const base = new URL(url).pathname;
      if (path === `${base}/.well-known/openid-configuration`)
        return { status: 200, body: { issuer: url, jwks_uri: `${url}/.well-known/jwks.json` } };
      if (path === `${base}/.well-known/jwks.json`) return { status: 200, body: jwks };
    }
    return apiError(404, 'OIDC.404', 'no such document');
  }

  #metadata(path: string, token: string | undefined): Reply {
    const mode = this.#options.metadataTokens ?? 'optional';
    if (path === IDENTITY_PATHS.metadataToken) {
      if (mode === 'none') return { status: 404, rawBody: 'Not Found' };
      const issued = randomBytes(24).toString('base64url');
      this.#metadataTokens.add(issued);
      return { status: 200, rawBody: issued, headers: { 'Content-Type': 'text/plain' } };
    }
    if (token !== undefined && !this.#metadataTokens.has(token))
      return { status: 401, rawBody: 'the metadata session token is not valid' };
    if (mode === 'required' && token === undefined)
      return { status: 401, rawBody: 'a metadata session token is required' };
    if (this.#options.noAgency)
      return { status: 401, rawBody: '{"message": "Please configure Cloud Service Agency first"}' };
    return this.#issue('metadata', 3600);
  }

  async #assumeWithOidc(text: string): Promise<Reply> {
    const stsError = (status: number, code: string, message: string): Reply => ({
      status,
      body: { error_code: code, error_msg: message, request_id: randomUUID().replaceAll('-', '') },
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return stsError(400, 'STS5.0001', 'the request body is not JSON');
    }
    const { provider_urn, agency_urn, agency_session_name, id_token, duration_seconds } = body;
    const urns = this.urns;
    const which =
      provider_urn === urns.provider ? 'oidc' : provider_urn === urns.awsProvider ? 'aws' : undefined;
    if (!which) return stsError(404, 'STS5.0404', 'the OIDC provider does not exist');
    if (agency_urn !== urns.agency) return stsError(404, 'STS5.0404', 'the agency does not exist');
    if (typeof agency_session_name !== 'string' || !/^[\w+=,.@-]{2,128}$/.test(agency_session_name))
      return stsError(400, 'STS5.0002', 'agency_session_name is invalid');
    const duration = typeof duration_seconds === 'number' ? duration_seconds : 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      return stsError(400, 'STS5.0002', 'duration_seconds must be 900 to 43200');
    if (typeof id_token !== 'string' || id_token.length < 4 || id_token.length > 20_000)
      return stsError(400, 'STS5.0002', 'id_token is invalid');
    let payload: JWTPayload;
    try {
      const issuerKeys = this.#issuer(which);
      ({ payload } = await jwtVerify(id_token, createLocalJWKSet(issuerKeys.jwks), {
        issuer: issuerKeys.url,
        audience: this.audience,
        currentDate: new Date(this.#now()),
      }));
    } catch (error) {
      return stsError(400, 'STS5.0003', `the id token is not valid: ${(error as Error).message}`);
    }
    const allowed = this.#options.allowedSubjects;
    if (allowed && !allowed.includes(String(payload.sub))) {
      return stsError(
        403,
        'STS5.0403',
        'access denied: the trust policy does not allow sts:agencies:assumeWithOIDC for this subject',
      );
    }
    const issued = this.#issue('assumeWithOidc', duration);
    this.subjects.push(String(payload.sub));
    return {
      ...issued,
      body: {
        ...(issued.body as object),
        assumed_agency: { urn: `${agency_urn}/${agency_session_name}`, id: randomUUID() },
        source_identity: null,
        audience: this.audience,
        provider: provider_urn,
        subject_from_id_token: payload.sub,
      },
    };
  }

  /** New temporary credentials, registered with the DCS side, in the shape each route answers. */
  #issue(route: 'metadata' | 'podIdentity' | 'assumeWithOidc', askedSeconds: number): Reply {
    const lifetimeMs = this.#options.credentialLifetimeMs ?? askedSeconds * 1000;
    const expiresAtMs = this.#now() + lifetimeMs;
    const credentials = {
      ak: `TMP${randomBytes(9).toString('hex').toUpperCase()}`,
      sk: `tsk-${randomBytes(24).toString('base64url')}`,
      securityToken: `tok-${randomBytes(96).toString('base64url')}`,
    };
    if (this.issued.length >= (this.#options.revokeFirst ?? 0)) this.#register(credentials, expiresAtMs);
    this.issued.push(credentials);
    const iso = new Date(expiresAtMs).toISOString();
    if (route === 'metadata') {
      // The metadata service writes microseconds.
      const expires_at = iso.replace(/\.(\d{3})Z$/, '.$1000Z');
      const { ak: access, sk: secret, securityToken: securitytoken } = credentials;
      return { status: 200, body: { credential: { access, secret, securitytoken, expires_at } } };
    }
    if (route === 'podIdentity') {
      const { ak: accessKeyId, sk: secretAccessKey, securityToken } = credentials;
      return {
        status: 200,
        body: { credentials: { accessKeyId, secretAccessKey, securityToken, expiration: iso } },
      };
    }
    const { ak: access_key_id, sk: secret_access_key, securityToken: security_token } = credentials;
    return {
      status: 200,
      body: { credentials: { access_key_id, secret_access_key, security_token, expiration: iso } },
    };
  }

  #issuer(which: 'oidc' | 'aws'): Issuer {
    if (!this.#issuers) throw new Error('the identity service has not started');
    return this.#issuers[which];
  }
}
