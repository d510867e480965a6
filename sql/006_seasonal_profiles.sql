-- Seasonal profiles shared across series: day-of-week and month-of-year
-- indices (1 = an average day) and the annual growth, for every product
-- across its stores, every store across its products, and all sales together.
-- The pooled model takes its shape from here and only its level and trend
-- from the series itself.

-- One-row settings table, read at refresh time (a materialized view cannot
-- take parameters). The window reaches back further than the feature view's:
-- month indices need whole years on both sides of each day.
create table profile_settings (
  id            boolean primary key default true check (id),
  history_days  integer not null default 1095 check (history_days between 28 and 3660),
  -- Shrinkage toward the parent level: an index observed over n weeks (or n
  -- years for months) weighs n / (n + prior) against the parent's.
  prior_weeks   double precision not null default 8 check (prior_weeks >= 0),
  prior_years   double precision not null default 1 check (prior_years >= 0)
);
insert into profile_settings default values;

-- The view itself, seasonal_profiles, is defined in 009_profiles_as_of.sql
-- as seasonal_profiles_as_of() at the newest day, with how each index is measured.
