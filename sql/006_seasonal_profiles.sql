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

-- How an index is measured, so a year's trend cannot leak into its months:
-- each day's units are divided by the centred moving level around it (7 days
-- for weekdays, 365 for months, computed only where the window is complete),
-- as a ratio of sums so that zero days weigh nothing rather than infinity.
-- Shrunk indices are rescaled to average exactly 1 over the week or the year.
-- Growth is the last 365 days' units over the 365 before; a member with less
-- than two years in the window takes its parent's.
create materialized view seasonal_profiles as
with params as (
  -- Scalar subqueries: the planner knows this is one row (see series_features).
  select (select max(day) from sales) as last_day,
         (select history_days from profile_settings) as history_days,
         (select prior_weeks from profile_settings) as prior_weeks,
         (select prior_years from profile_settings) as prior_years
),
-- One pass over the window for all three levels.
totals as (
  select case when grouping(s.product_id) = 0 then 'product'
              when grouping(s.store_id) = 0 then 'store'
              else 'global' end as level,
         coalesce(s.product_id, s.store_id, 0) as member_id,
         s.day,
         sum(s.units) as units
  from sales s, params p
  where s.day > p.last_day - p.history_days
  group by grouping sets ((s.product_id, s.day), (s.store_id, s.day), (s.day))
),
members as (
  select level, member_id, min(day) as first_day from totals group by level, member_id
),
-- Days without a sale are zeros from the member's first sale in the window on
-- (a product launched last month has no zeros before its launch).
filled as (
  select m.level, m.member_id, g::date as day, coalesce(t.units, 0) as units
  from members m
  cross join params p
  cross join lateral generate_series(m.first_day, p.last_day, interval '1 day') g
  left join totals t on t.level = m.level and t.member_id = m.member_id and t.day = g::date
),
-- numeric avg has an inverse transition, so the 365-day frame costs O(days), not O(days × 365).
windowed as (
  select f.level, f.member_id, f.day, f.units,
         avg(f.units) over week_frame as week_level,
         count(*) over week_frame as week_days,
         avg(f.units) over year_frame as year_level,
         count(*) over year_frame as year_days,
         row_number() over (partition by f.level, f.member_id order by f.day desc) as age
  from filled f
  window week_frame as (partition by f.level, f.member_id order by f.day rows between 3 preceding and 3 following),
         year_frame as (partition by f.level, f.member_id order by f.day rows between 182 preceding and 182 following)
),
-- Both seasons in one shape: (season, position, ratio, weight). The weight is
-- how much of the season was observed, in the unit its prior is given in:
-- weeks for weekdays, years for months (a year of a month is ~30.44 days).
seasons as (
  select 'week' as season, 7 as positions, prior_weeks as prior from params
  union all
  select 'year', 12, prior_years from params
),
observed as (
  select level, member_id, 'week' as season, extract(isodow from day)::int as position,
         (sum(units) / sum(week_level))::float8 as ratio, count(*)::float8 as weight
  from windowed where week_days = 7
  group by level, member_id, position
  having sum(week_level) > 0
  union all
  select level, member_id, 'year', extract(month from day)::int,
         (sum(units) / sum(year_level))::float8, count(*)::float8 / 30.4375
  from windowed where year_days = 365
  group by level, member_id, extract(month from day)
  having sum(year_level) > 0
),
-- Every position of every member, observed or not.
grid as (
  select m.level, m.member_id, s.season, pos as position, s.prior,
         coalesce(o.ratio, 0) as ratio, coalesce(o.weight, 0) as weight
  from members m
  cross join seasons s
  cross join lateral generate_series(1, s.positions) pos
  left join observed o on o.level = m.level and o.member_id = m.member_id and o.season = s.season and o.position = pos
),
-- The global level is the top of the hierarchy: it is what its data say, and
-- flat (1) only where it has no data at all. The others shrink toward it.
global_index as (
  select season, position, case when weight > 0 then ratio else 1 end as index
  from grid where level = 'global'
),
shrunk as (
  select g.level, g.member_id, g.season, g.position,
         case when g.level = 'global' then gl.index
              when g.weight + g.prior > 0 then (g.weight * g.ratio + g.prior * gl.index) / (g.weight + g.prior)
              else gl.index end as index
  from grid g
  join global_index gl on gl.season = g.season and gl.position = g.position
),
-- Rescaled so a week's (a year's) indices average exactly 1.
profile as (
  select level, member_id,
         array_agg(index / mean_index order by position) filter (where season = 'week') as day_of_week,
         array_agg(index / mean_index order by position) filter (where season = 'year') as month_of_year
  from (select *, avg(index) over (partition by level, member_id, season) as mean_index from shrunk) s
  group by level, member_id
),
growth as (
  select level, member_id,
         count(*)::int as history_days,
         case when count(*) >= 730
              then (sum(units) filter (where age <= 365)
                    / nullif(sum(units) filter (where age between 366 and 730), 0))::float8
         end as growth
  from windowed
  group by level, member_id
)
select g.level, g.member_id,
       p.day_of_week, p.month_of_year,
       coalesce(g.growth, (select growth from growth where level = 'global'), 1) as annual_growth,
       g.history_days
from growth g
join profile p on p.level = g.level and p.member_id = g.member_id;

-- CONCURRENTLY needs a unique index; the trainer reads the view by it too.
create unique index seasonal_profiles_level_member on seasonal_profiles (level, member_id);
