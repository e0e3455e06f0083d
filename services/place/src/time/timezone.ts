import { IANAZone } from "luxon";

// Zones that name no place: a site "in UTC" is almost always a config left at its default.
const PLACEHOLDER = /^(Etc\/.*|UTC|UCT|GMT([+-]\d+)?|GMT0|Universal|Zulu|Greenwich)$/i;

/**
 * Why `zone` cannot be a site's time zone, or undefined when it can. Placeholders (UTC, GMT,
 * Etc/*) are refused unless allowed: device clocks show local wall-clock time, and sites
 * configured as UTC made supervisors "correct" device clocks by hours, over and over.
 */
export function timezoneProblem(zone: string, allowUtc: boolean): string | undefined {
  if (!IANAZone.isValidZone(zone)) {
    return `"${zone}" is not an IANA time zone; use the site's zone, e.g. "Africa/Lagos" or "Europe/Berlin"`;
  }
  if (PLACEHOLDER.test(zone) && !allowUtc) {
    return (
      `"${zone}" is a placeholder, not a site's zone: devices keep local wall-clock time, and sites set ` +
      `to UTC/GMT/Etc zones caused clock-correction loops in the field. Use the site's IANA zone ` +
      `(e.g. "Africa/Lagos"), or set allowUtcTimezone: true if the site really keeps UTC`
    );
  }
  return undefined;
}
