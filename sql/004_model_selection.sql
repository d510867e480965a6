-- Model selection: the holiday calendar Prophet reads, and what each run
-- decided per series (the candidate chosen, every candidate's fold scores,
-- the runner-up) plus what the next run needs to skip or warm-start a fit.

-- Whole-day events by calendar; the trainer reads the calendar named by
-- HOLIDAY_CALENDAR. Add rows (or a calendar) to tell Prophet about yours.
create table holiday (
  calendar  text not null check (calendar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name      text not null check (name ~ '^[a-z0-9][a-z0-9_]{0,63}$'),
  day       date not null,
  primary key (calendar, name, day)
);

-- The default calendar: days retail closes or peaks on across most of
-- Europe and the Americas, 2000–2040. Easter by the anonymous Gregorian
-- (Meeus/Jones/Butcher) algorithm.
insert into holiday (calendar, name, day)
select 'default', h.name, h.day
from generate_series(2000, 2040) as y(year),
lateral (
  select ((19 * (year % 19) + year / 100 - (year / 100) / 4 - ((year / 100) - ((year / 100) + 8) / 25 + 1) / 3 + 15) % 30) as h,
         year % 19 as a, year / 100 as b, year % 100 as c
) e1,
lateral (
  select (32 + 2 * (b % 4) + 2 * (c / 4) - e1.h - (c % 4)) % 7 as l
) e2,
lateral (
  select make_date(year, (e1.h + e2.l - 7 * ((a + 11 * e1.h + 22 * e2.l) / 451) + 114) / 31,
                   ((e1.h + e2.l - 7 * ((a + 11 * e1.h + 22 * e2.l) / 451) + 114) % 31) + 1) as easter
) e3,
lateral (values
  ('new_year', make_date(year, 1, 1)),
  ('good_friday', e3.easter - 2),
  ('easter_monday', e3.easter + 1),
  ('labour_day', make_date(year, 5, 1)),
  ('christmas_eve', make_date(year, 12, 24)),
  ('christmas', make_date(year, 12, 25)),
  ('boxing_day', make_date(year, 12, 26)),
  ('new_year_eve', make_date(year, 12, 31))
) as h(name, day);

alter table series_result
  -- Syntetos–Boylan class of the history: smooth, erratic, intermittent, lumpy, none
  add column demand_class     text,
  -- best first: [{model, mase, folds: [mase per fold, oldest first]}]
  add column scores           jsonb,
  add column runner_up        text,
  -- the published forecast {point, lower, upper}, republished as is while the data is unchanged
  add column forecast         jsonb,
  -- Prophet's forecast where the selection is another model: the edge's rollback output
  add column prophet_forecast jsonb,
  add column prophet_model    text,
  -- hash of the fit settings: a changed setting refits even unchanged data
  add column settings_hash    text,
  -- when this model was fitted; an unchanged series keeps it until MODEL_MAX_AGE_HOURS
  add column fitted_at        timestamptz,
  add column skipped          boolean not null default false,
  add column outlier          boolean not null default false;

-- Aggregate backtest accuracy, model split and outliers of the run.
alter table training_run add column accuracy jsonb;
