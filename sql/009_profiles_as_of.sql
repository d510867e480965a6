-- Seasonal profiles as of any cut-off day, for many cut-offs in one query.
-- A backtest fold that ends on day c may only borrow a shape learnt from
-- days up to c: a profile over the whole history holds the fold's own days
-- (its weekdays, its months, the growth into them, the product's and the
-- store's totals on them). The trainer asks for its origin and every fold's
-- cut-off at once; the view of sql/006 becomes this function at the newest
-- day, so the two can never disagree.
--
-- Each cut-off sees the `history_days` days up to and including it.
--
-- How an index is measured, so a year's trend cannot leak into its months:
-- each day's units are divided by the centred moving level around it (7 days
-- for weekdays, 365 for months, computed only where the window is complete),
-- as a ratio of sums so that zero days weigh nothing rather than infinity.
-- Shrunk indices are rescaled to average exactly 1 over the week or the year.
-- Growth is the last 365 days' units over the 365 before; a member with less
-- than two years in the window takes its parent's.
create function seasonal_profiles_as_of(cutoffs date[])
returns table (cutoff date, level text, member_id integer, day_of_week float8[], month_of_year float8[],
               annual_growth float8, history_days integer)
-- The schema it was created in, whatever the caller's search_path: a concurrent
-- refresh runs the view's query with a restricted one.
language sql stable set search_path from current as $$
with params as (
  select (select history_days from profile_settings) as history_days,
         (select prior_weeks from profile_settings) as prior_weeks,
         (select prior_years from profile_settings) as prior_years
),
cut as (
  select distinct c as cutoff from unnest(cutoffs) c where c is not null
),
-- One pass over the sales for every cut-off and all three levels.
totals as (
  select c.cutoff,
         case when grouping(s.product_id) = 0 then 'product'
              when grouping(s.store_id) = 0 then 'store'
              else 'global' end as level,
         coalesce(s.product_id, s.store_id, 0) as member_id,
         s.day,
         sum(s.units) as units
  from cut c
  cross join params p
  join sales s on s.day <= c.cutoff and s.day > c.cutoff - p.history_days
  group by c.cutoff, grouping sets ((s.product_id, s.day), (s.store_id, s.day), (s.day))
),
members as (
  -- Days without a sale are zeros from the member's first sale in the window on.
  select cutoff, level, member_id, min(day) as first_day from totals group by cutoff, level, member_id
),
filled as (
  select m.cutoff, m.level, m.member_id, g::date as day, coalesce(t.units, 0) as units
  from members m
  cross join lateral generate_series(m.first_day, m.cutoff, interval '1 day') g
  left join totals t on t.cutoff = m.cutoff and t.level = m.level and t.member_id = m.member_id and t.day = g::date
),
-- numeric avg has an inverse transition, so the 365-day frame costs O(days), not O(days × 365).
windowed as (
  select f.cutoff, f.level, f.member_id, f.day, f.units,
         avg(f.units) over week_frame as week_level,
         count(*) over week_frame as week_days,
         avg(f.units) over year_frame as year_level,
         count(*) over year_frame as year_days,
         row_number() over (partition by f.cutoff, f.level, f.member_id order by f.day desc) as age
  from filled f
  window week_frame as (partition by f.cutoff, f.level, f.member_id order by f.day rows between 3 preceding and 3 following),
         year_frame as (partition by f.cutoff, f.level, f.member_id order by f.day rows between 182 preceding and 182 following)
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
  select cutoff, level, member_id, 'week' as season, extract(isodow from day)::int as position,
         (sum(units) / sum(week_level))::float8 as ratio, count(*)::float8 as weight
  from windowed where week_days = 7
  group by cutoff, level, member_id, position
  having sum(week_level) > 0
  union all
  select cutoff, level, member_id, 'year', extract(month from day)::int,
         (sum(units) / sum(year_level))::float8, count(*)::float8 / 30.4375
  from windowed where year_days = 365
  group by cutoff, level, member_id, extract(month from day)
  having sum(year_level) > 0
),
grid as (
  select m.cutoff, m.level, m.member_id, s.season, pos as position, s.prior,
         coalesce(o.ratio, 0) as ratio, coalesce(o.weight, 0) as weight
  from members m
  cross join seasons s
  cross join lateral generate_series(1, s.positions) pos
  left join observed o on o.cutoff = m.cutoff and o.level = m.level and o.member_id = m.member_id
                      and o.season = s.season and o.position = pos
),
-- The global level is the top of the hierarchy: it is what its data say, and
-- flat (1) only where it has no data at all. The others shrink toward it.
global_index as (
  select cutoff, season, position, case when weight > 0 then ratio else 1 end as index
  from grid where level = 'global'
),
shrunk as (
  select g.cutoff, g.level, g.member_id, g.season, g.position,
         case when g.level = 'global' then gl.index
              when g.weight + g.prior > 0 then (g.weight * g.ratio + g.prior * gl.index) / (g.weight + g.prior)
              else gl.index end as index
  from grid g
  join global_index gl on gl.cutoff = g.cutoff and gl.season = g.season and gl.position = g.position
),
profile as (
  select cutoff, level, member_id,
         array_agg(index / mean_index order by position) filter (where season = 'week') as day_of_week,
         array_agg(index / mean_index order by position) filter (where season = 'year') as month_of_year
  from (select *, avg(index) over (partition by cutoff, level, member_id, season) as mean_index from shrunk) s
  group by cutoff, level, member_id
),
growth as (
  select cutoff, level, member_id,
         count(*)::int as history_days,
         case when count(*) >= 730
              then (sum(units) filter (where age <= 365)
                    / nullif(sum(units) filter (where age between 366 and 730), 0))::float8
         end as growth
  from windowed
  group by cutoff, level, member_id
)
select g.cutoff, g.level, g.member_id,
       p.day_of_week, p.month_of_year,
       coalesce(g.growth, (select gg.growth from growth gg where gg.level = 'global' and gg.cutoff = g.cutoff), 1) as annual_growth,
       g.history_days
from growth g
join profile p on p.cutoff = g.cutoff and p.level = g.level and p.member_id = g.member_id
$$;

-- The view keeps its name, columns and unique index (refreshed concurrently
-- by the trainer, read by dashboards): it is now the function at the newest day.
-- Databases migrated before this file have the view as 006 first defined it.
drop materialized view if exists seasonal_profiles;
create materialized view seasonal_profiles as
select level, member_id, day_of_week, month_of_year, annual_growth, history_days
from seasonal_profiles_as_of(array[(select max(day) from sales)]);
create unique index seasonal_profiles_level_member on seasonal_profiles (level, member_id);
