// The config's `accounts` (docs/credentials.md): where an account's temporary credentials come from. It
// holds no secret: a key written here is bad input that says where keys belong.
import * as z from 'zod';
import type { CredentialSource } from '../model/credentials.js';
import { ACCOUNT_NAME } from '../model/ids.js';
import { int, originSchema, REGION } from './fields.js';

/** What IAM's AssumeAgencyWithOIDC takes (dcs-api.md §10.3). */
export const OIDC_DEFAULTS = { sessionName: 'dcs-task-cleanup', durationSeconds: 3600 } as const;
const KEY_FIELDS = ['ak', 'sk', 'securityToken'] as const;
const URN = (what: string) =>
  z
    .string({ error: `is required: the ${what} URN` })
    .min(1, { error: 'is empty' })
    .max(1500, { error: 'must be at most 1500 characters' });

const ecsAgency = z
  .strictObject({ source: z.literal('ecs-agency') })
  .meta({ description: "The ECS instance's agency, from the metadata service." });
const ccePodIdentity = z
  .strictObject({ source: z.literal('cce-pod-identity') })
  .meta({ description: "The CCE pod's identity (HC_CONTAINER_CREDENTIALS_FULL_URI and its token file)." });
const idToken = z
  .union(
    [
      z
        .strictObject({ file: z.string().min(1, { error: 'is empty' }) })
        .meta({ description: 'A file holding the id token, read again at every renewal.' }),
      z
        .strictObject({
          awsWebIdentity: z.strictObject({
            audience: z.string().min(1, { error: 'is empty' }).max(1000).meta({
              description: "The token's aud: a client id of the OIDC provider on Huawei Cloud.",
            }),
            signingAlgorithm: z.enum(['RS256', 'ES384']).optional().meta({ default: 'RS256' }),
          }),
        })
        .meta({
          description: "AWS STS GetWebIdentityToken for the caller's role (a Lambda's keyless path).",
        }),
    ],
    { error: 'must be {"file": PATH} or {"awsWebIdentity": {"audience"}}' },
  )
  .meta({ description: 'Where the id token comes from.' });
const oidc = z
  .strictObject({
    source: z.literal('oidc'),
    providerUrn: URN('OIDC provider').meta({ description: 'iam::{account_id}:oidcProvider:{name}' }),
    agencyUrn: URN('agency').meta({ description: 'iam::{account_id}:agency:{agency_name}' }),
    sessionName: z
      .string()
      .min(2, { error: 'must be 2 to 128 characters' })
      .max(128, { error: 'must be 2 to 128 characters' })
      .regex(/^[\w+=,.@-]+$/, { error: 'may hold letters, digits and _+=,.@- only' })
      .optional()
      .meta({ default: OIDC_DEFAULTS.sessionName }),
    durationSeconds: int(900, 43_200).optional().meta({ default: OIDC_DEFAULTS.durationSeconds }),
    region: z
      .string()
      .regex(REGION, { error: 'must be a Huawei Cloud region id such as "cn-north-4"' })
      .optional()
      .meta({ description: 'STS is https://sts.{region}.myhuaweicloud.com.' }),
    stsEndpoint: originSchema(
      'https://sts.cn-north-4.myhuaweicloud.com',
      "STS origin instead of the region's; https, or http to 127.0.0.1, localhost or [::1].",
    ).optional(),
    idToken,
  })
  .refine((value) => value.region !== undefined || value.stsEndpoint !== undefined, {
    error: 'needs "region" or "stsEndpoint": where IAM\'s STS is',
    path: ['region'],
  })
  .meta({ description: "IAM's AssumeAgencyWithOIDC: an id token traded for the agency's credentials." });

const sourceSchema = z.discriminatedUnion('source', [ecsAgency, oidc, ccePodIdentity], {
  error: 'must name its "source": "ecs-agency", "oidc" or "cce-pod-identity"',
});

/** Refuses keys before the source is read: the message says where they belong. */
const noKeys = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'object' || value === null) return;
  for (const field of KEY_FIELDS) {
    if (field in value) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: 'keys do not belong in the config: put them in the credentials file or secret',
        // The value is a secret: zod must not echo it.
        input: undefined,
      });
    }
  }
});

export const accountSourcesSchema = z
  .record(z.string().regex(ACCOUNT_NAME), noKeys.pipe(sourceSchema), {
    error: (issue) =>
      issue.code === 'invalid_key'
        ? 'account names are a lower-case letter, then [a-z0-9-], at most 32'
        : issue.code === 'invalid_type'
          ? 'must be an object of account name → {"source": …}'
          : undefined,
  })
  .meta({
    description:
      'Where accounts get temporary credentials instead of long-lived keys (docs/credentials.md). Holds no secret.',
  });

type ParsedSource = z.output<typeof sourceSchema>;

/** Each account's source with its defaults applied. */
export function resolveSources(parsed: Record<string, ParsedSource> = {}): Map<string, CredentialSource> {
  return new Map(
    Object.entries(parsed).map(([name, source]): [string, CredentialSource] => {
      if (source.source !== 'oidc') return [name, { source: source.source }];
      const { region, stsEndpoint, idToken: token, sessionName, durationSeconds } = source;
      return [
        name,
        {
          source: 'oidc',
          providerUrn: source.providerUrn,
          agencyUrn: source.agencyUrn,
          sessionName: sessionName ?? OIDC_DEFAULTS.sessionName,
          durationSeconds: durationSeconds ?? OIDC_DEFAULTS.durationSeconds,
          stsEndpoint: stsEndpoint ?? `https://sts.${region}.myhuaweicloud.com`,
          idToken:
            'file' in token
              ? { file: token.file }
              : {
                  awsWebIdentity: {
                    audience: token.awsWebIdentity.audience,
                    signingAlgorithm: token.awsWebIdentity.signingAlgorithm ?? 'RS256',
                  },
                },
        },
      ];
    }),
  );
}
