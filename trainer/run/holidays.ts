// The holiday calendar Prophet fits, read once per run from the holiday table.
import type { Sql } from "../db/connect.ts";
import type { Holiday } from "../models/prophet.ts";

export class HolidayCalendarError extends Error {
  override name = "HolidayCalendarError";
}

/** Every holiday of `calendar` with all its days; "none" gives none. Throws when the calendar has no rows. */
export async function loadHolidays(sql: Sql, calendar: string): Promise<Holiday[]> {
  if (calendar === "none") return [];
  const rows = await sql<Holiday[]>`
    select name, array_agg(day::text order by day) as days
    from holiday where calendar = ${calendar}
    group by name order by name`;
  if (rows.length === 0) {
    const [{ names }] = await sql<{ names: string[] | null }[]>`select array_agg(distinct calendar order by calendar) as names from holiday`;
    throw new HolidayCalendarError(
      `HOLIDAY_CALENDAR=${calendar} has no days in the holiday table (calendars there: ${(names ?? []).join(", ") || "none"}); ` +
        "insert its days (calendar, name, day) or set HOLIDAY_CALENDAR=none to fit without holidays",
    );
  }
  return rows;
}
