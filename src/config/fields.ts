// Field schemas more than one part of the config uses (entries, fleets, account sources).
import * as z from 'zod';

export const REGION = /^[a-z]{2,}(-[a-z]+)+-\d{1,3}$/;
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const int = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** An API origin: https, or http on loopback (local simulators); a bare origin, no path or credentials. */
export function originSchema(example: string, description: string) {
  return z
    .string({ error: `must be a URL such as ${example}` })
    .regex(/^https?:\/\//, { error: `must be an http(s) URL such as ${example}` })
    .meta({ description })
    .transform((text, ctx) => {
      const url = URL.canParse(text) ? new URL(text) : undefined;
      const problem = !url
        ? 'is not a URL'
        : url.username || url.password || url.search || url.hash || url.pathname !== '/'
          ? `must be a bare origin such as ${example} (no path, query or credentials)`
          : url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
            ? undefined
            : 'must use https (http is allowed only to 127.0.0.1, localhost or [::1])';
      if (problem || !url) {
        ctx.addIssue({ code: 'custom', message: problem ?? 'is not a URL' });
        return z.NEVER;
      }
      return url.origin;
    });
}

export const endpointSchema = originSchema(
  'https://dcs.cn-north-4.myhuaweicloud.com',
  'API origin; defaults to https://dcs.{region}.myhuaweicloud.com. Must be https, except to 127.0.0.1, localhost or [::1] (local simulators).',
);
