-- Seasonal profiles as of many cut-offs, with one pass over the sales for
-- all of them: sql/009 joined the sales to every cut-off's window before
-- summing, so each sales row was read and grouped once per cut-off (the
-- origin and three folds: four times). A member's units on a day are the
-- same sum whichever cut-off sees the day, so they are summed once over the
-- span of all the windows and each cut-off takes its days from that. The
-- answer is the same row for row (numeric sums do not depend on order);
-- everything after `totals` is sql/009's, unchanged.
create or replace function seasonal_profiles_as_of(cutoffs date[])
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
-- Each member's units per day, summed once over the span every cut-off's
-- window falls in: a sum over one member and day is the same for every
-- cut-off that sees the day, so the cut-offs share one pass over the sales.
span as (
  select min(c.cutoff) - p.history_days as after, max(c.cutoff) as upto from cut c cross join params p group by p.history_days
),
daily as (
  select case when grouping(s.product_id) = 0 then 'product'
              when grouping(s.store_id) = 0 then 'store'
              else 'global' end as level,
         coalesce(s.product_id, s.store_id, 0) as member_id,
         s.day,
         sum(s.units) as units
  from span w
  join sales s on s.day > w.after and s.day <= w.upto
  group by grouping sets ((s.product_id, s.day), (s.store_id, s.day), (s.day))
),
totals as (
  select c.cutoff, d.level, d.member_id, d.day, d.units
  from cut c
  cross join params p
  join daily d on d.day <= c.cutoff and d.day > c.cutoff - p.history_days
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
