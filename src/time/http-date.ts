// HTTP dates (RFC 9110 §5.6.7, RFC 7231 before it): the three forms, read strictly. Anything else (`1`, `0`,
// `2026`, an ISO date) is no date, whatever Date.parse would make of it.

/** IMF-fixdate and the obsolete RFC 850 form, both in GMT. */
const ZONED_DATES = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
];
/** asctime, which carries no zone: it is GMT too. */
const ASCTIME =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** Epoch ms of an HTTP date, or undefined when `text` is not one. */
export function parseHttpDate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = ASCTIME.test(text)
    ? Date.parse(`${text} GMT`)
    : ZONED_DATES.some((form) => form.test(text))
      ? Date.parse(text)
      : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
