import { InvalidArgumentError, NotFoundError, UnavailableError } from "@biometricflow/grpc-kit";
import type { AnalyticsScope } from "@biometricflow/proto";
import { dayNumber, daysInclusive } from "../rules/calendar.js";
import type { KnownPlace, PlaceBook } from "../sync/place-book.js";

export interface Scope {
  places: KnownPlace[];
  from: string;
  to: string;
}

const placeIdRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// Badge/PIN and device ids are free text to us, but never control characters or huge.
// eslint-disable-next-line no-control-regex
const controlRe = /[\u0000-\u001f\u007f]/;
const MAX_IDS = 1000;
// What ClickHouse's DateTime holds (1970 to early 2106), with a day's margin for any zone.
const FIRST_DAY = "1970-01-02";
const LAST_DAY = "2105-12-31";

/** Places, dates and range checked; every problem is a message that says what is wrong. */
export function validScope(scope: AnalyticsScope | undefined, book: PlaceBook, maxDays: number): Scope {
  const s = scope ?? { placeIds: [], fromDate: "", toDate: "" };
  for (const [field, value] of [
    ["scope.from_date", s.fromDate],
    ["scope.to_date", s.toDate],
  ] as const) {
    if (!value) throw new InvalidArgumentError(`${field} is required ("YYYY-MM-DD")`);
    if (dayNumber(value) === undefined) {
      throw new InvalidArgumentError(`${field} ${JSON.stringify(value)} is not a calendar date "YYYY-MM-DD"`);
    }
    if (value < FIRST_DAY || value > LAST_DAY)
      throw new InvalidArgumentError(
        `${field} ${value} is outside ${FIRST_DAY}..${LAST_DAY}, the dates analytics can hold`,
      );
  }
  const days = daysInclusive(s.fromDate, s.toDate);
  if (days < 1)
    throw new InvalidArgumentError(`scope.from_date ${s.fromDate} is after scope.to_date ${s.toDate}`);
  if (days > maxDays) {
    throw new InvalidArgumentError(
      `the range holds ${days} days; at most ${maxDays} are allowed per request`,
    );
  }
  return { places: validPlaces(s.placeIds, book), from: s.fromDate, to: s.toDate };
}

/** The place ids asked for (all when none), each followed by this aggregator; duplicates folded. */
export function validPlaceIds(ids: readonly string[], book: PlaceBook): string[] {
  ids.forEach((id, i) => {
    if (!placeIdRe.test(id)) {
      throw new InvalidArgumentError(`place_ids[${i}] ${JSON.stringify(id.slice(0, 80))} is not a place id`);
    }
    if (!book.has(id)) {
      throw new NotFoundError(
        `place "${id}" is not followed by this aggregator (known: ${book.ids.join(", ")})`,
      );
    }
  });
  return ids.length ? [...new Set(ids)] : [...book.ids];
}

/** As validPlaceIds, with each place's rules (known once the place was reached). */
export function validPlaces(ids: readonly string[], book: PlaceBook): KnownPlace[] {
  return validPlaceIds(ids, book).map((id) => {
    const known = book.get(id);
    if (!known)
      throw new UnavailableError(`the rules of place "${id}" are not known yet: it has not been reached`);
    return known;
  });
}

/** user_ids / device_ids filters: each 1-64 characters with no control characters. */
export function validIds(ids: readonly string[], field: string): string[] {
  if (ids.length > MAX_IDS)
    throw new InvalidArgumentError(`${field} lists ${ids.length} ids; at most ${MAX_IDS}`);
  ids.forEach((id, i) => {
    if (id.length === 0 || id.length > 64 || controlRe.test(id)) {
      throw new InvalidArgumentError(
        `${field}[${i}] ${JSON.stringify(id.slice(0, 80))} is not an id (1-64 characters, no control characters)`,
      );
    }
  });
  return [...new Set(ids)];
}
