-- series_features keeps only what a model reads: units and promo (every
-- family, through the fetch), mean_7, mean_28 and promo_share_28 (the global
-- model, sql/011). The lags, price, gap flag and city were kept for a model
-- that might read them; none does, and each is cheap to compute from sales
-- where one ever will (the lags are three lag() calls, the city is
-- feature_series', price and the gap flag are sales' own).
alter table series_features
  drop column city_id,
  drop column price,
  drop column gap_filled,
  drop column lag_1,
  drop column lag_7,
  drop column lag_28;

-- The global model's training sums kept between runs, one row per target day,
-- horizon bucket and demand segment, so that a daily cycle computes the days
-- the new watermark adds (and any a sales change reached) instead of every
-- day again. A fold's model is the sum of the days up to its cut-off
-- (trainer/global/sums.ts), as before: leak-free, since a day's row reads
-- only days up to it.
--
-- For a day's sums to stay valid as the origin moves, nothing in a row may
-- depend on the origin: its seasonal profile and its product's promotion lift
-- are those as of the last day of the calendar quarter before the quarter of
-- the day its inputs end on (t − horizon), no longer those of the fold's
-- cut-off. That day is before t, so still before any cut-off that trains on t.
create table global_gram_day (
  day      date not null,
  horizon  integer not null,
  dense    boolean not null,
  rows     bigint not null,
  xx       double precision[] not null,
  xy       double precision[] not null,
  yy       double precision not null,
  primary key (day, horizon, dense)
);

-- settings: what the sums were computed with (buckets, segments, calendar,
-- features, profile settings); a change recomputes every day. stale_from:
-- the first day whose sums a sales change since reached; the feature refresh
-- lowers it (sql/008's refresh_target days, trainer/run/feature-table.ts),
-- the training consumes it.
create table global_gram_state (
  id          boolean primary key default true check (id),
  settings    jsonb,
  first_day   date,
  last_day    date,
  stale_from  date
);
insert into global_gram_state default values;

-- Each series' mean over the cut-off's year is its units over 365 days (days
-- outside the window count as unsold), and its days count from its first
-- sale in that year: unlike averages over the rows the window still has,
-- neither moves when the window's start moves past days the series never
-- sold on, so a quarter's lift stays what it was.
create or replace function global_promotion_lifts(cutoffs date[])
returns table (cutoff date, product_id integer, lift float8, promo_days bigint)
language sql stable set search_path from current as $$
with cut as (
  select distinct c as cutoff from unnest(cutoffs) c where c is not null
),
-- Each day joins the cut-offs whose year holds it (a few of a short list),
-- rather than each cut-off scanning the table for its year.
days as (
  select c.cutoff, f.store_id, f.product_id, f.promo, f.units, f.day,
         sum(f.units) over s / 365 as series_mean,
         min(f.day) filter (where f.units > 0) over s as first_sale
  from series_features f
  cross join lateral (select x.cutoff from cut x where f.day <= x.cutoff and f.day > x.cutoff - 365) c
  where f.day > (select min(cutoff) - 365 from cut) and f.day <= (select max(cutoff) from cut)
    and f.day >= (select window_start from feature_state)
  window s as (partition by c.cutoff, f.store_id, f.product_id)
),
pooled as (
  select cutoff, product_id,
         avg(units / series_mean) filter (where promo) as on_promo,
         avg(units / series_mean) filter (where not promo) as off_promo,
         count(*) filter (where promo) as promo_days
  from days where series_mean > 0 and day >= first_sale
  group by cutoff, product_id
)
select cutoff, product_id,
       case when promo_days > 0 and on_promo > 0 and off_promo > 0
            then 1 + promo_days::float8 / (promo_days + 7) * (on_promo / off_promo - 1) else 1 end,
       promo_days
from pooled
$$;

-- The quarter-end whose profile and lift a row with inputs up to `known` uses.
create function global_anchor(known date) returns date language sql immutable as $$
  select (date_trunc('quarter', known) - interval '1 day')::date
$$;

-- Each series' profile and its product's lift as of each anchor, kept like
-- the sums: an anchor's never changes unless sales up to it do (the training
-- computes the anchors it lacks and lets go of those a change reached).
create table global_anchor_shape (
  anchor         date not null,
  store_id       integer not null,
  product_id     integer not null,
  day_of_week    double precision[] not null,
  month_of_year  double precision[] not null,
  lift           double precision not null,
  primary key (anchor, store_id, product_id)
);

-- The rows of global_anchor_shape for the given anchors.
create function global_anchor_shapes(anchors date[])
returns table (anchor date, store_id integer, product_id integer, day_of_week float8[], month_of_year float8[], lift float8)
language sql stable set search_path from current as $$
with profiles as (
  select p.* from seasonal_profiles_as_of(anchors) p
),
-- Each series' profile as the trainer combines it (trainer/run/profiles.ts):
-- product × store ÷ global, rescaled to average 1.
series_shape as (
  select fs.store_id, fs.product_id, g.cutoff as anchor,
         array(select v / nullif(avg(v) over (), 0) from (
           select case when g.day_of_week[k] > 0 then (coalesce(pp.day_of_week, g.day_of_week))[k] * (coalesce(ps.day_of_week, g.day_of_week))[k] / g.day_of_week[k]
                       else (coalesce(pp.day_of_week, g.day_of_week))[k] end as v, k
           from generate_series(1, 7) k) x order by k) as day_of_week,
         array(select v / nullif(avg(v) over (), 0) from (
           select case when g.month_of_year[k] > 0 then (coalesce(pp.month_of_year, g.month_of_year))[k] * (coalesce(ps.month_of_year, g.month_of_year))[k] / g.month_of_year[k]
                       else (coalesce(pp.month_of_year, g.month_of_year))[k] end as v, k
           from generate_series(1, 12) k) x order by k) as month_of_year
  from feature_series fs
  join profiles g on g.level = 'global'
  left join profiles pp on pp.cutoff = g.cutoff and pp.level = 'product' and pp.member_id = fs.product_id
  left join profiles ps on ps.cutoff = g.cutoff and ps.level = 'store' and ps.member_id = fs.store_id
)
select s.anchor, s.store_id, s.product_id, s.day_of_week, s.month_of_year, coalesce(l.lift, 1)
from series_shape s
left join global_promotion_lifts(anchors) l on l.cutoff = s.anchor and l.product_id = s.product_id
$$;

drop function global_training_rows(date, integer, integer, integer[], date[], text, float8, float8);

-- The rows of target days first_day..last_day (sql/011 says what each
-- feature is), with each row's profile and lift from global_anchor_shape,
-- which must hold the rows' anchors (trainer/global/gram.ts fills it). Trailing sums come from running totals (a frame of 364 rows
-- over float8 would add up 364 values a row), so the cost follows the days
-- asked for and the year of lookback they need, not the whole window.
create function global_training_rows(first_day date, last_day date, horizons integer[], calendar text,
                                     dense_share float8, scale_floor float8)
returns table (store_id integer, product_id integer, day date, horizon integer, anchor date, dense boolean,
               scale float8, target float8, recent_7 float8, recent_28 float8, recent_91 float8, weekday_4 float8, shape float8,
               shaped_level float8, shaped_91 float8, shaped_364 float8, promo float8, promo_shaped float8, promo_lifted float8, promo_share_28 float8, holiday float8)
language sql stable set search_path from current as $$
with params as (
  select (select window_start from feature_state) as window_start,
         least((select watermark from feature_state), last_day) as last_day,
         (select max(h) from unnest(horizons) h) as longest
),
running as (
  select f.store_id, f.product_id, f.day, f.units, f.promo, f.mean_7, f.mean_28, f.promo_share_28,
         sum(f.units) over w as units_total,
         count(*) filter (where f.units > 0) over w as sold_total,
         row_number() over w as n,
         (f.units + coalesce(lag(f.units, 7) over w, 0) + coalesce(lag(f.units, 14) over w, 0)
                  + coalesce(lag(f.units, 21) over w, 0)) / 4 as weekday_4
  from series_features f, params p
  where f.day between greatest(p.window_start, first_day - p.longest - 364) and p.last_day
  window w as (partition by f.store_id, f.product_id order by f.day rows between unbounded preceding and current row)
),
-- Each day's trailing 91-day and year statistics (days before the window count as unsold).
windows as (
  select r.*,
         (r.units_total - coalesce(lag(r.units_total, 91) over w, 0)) / 91 as mean_91,
         (r.units_total - coalesce(lag(r.units_total, 364) over w, 0)) / 364 as mean_364,
         (r.sold_total - coalesce(lag(r.sold_total, 91) over w, 0))::float8 / 91 as nonzero_91,
         least(r.n, 91) as days_91
  from running r
  window w as (partition by r.store_id, r.product_id order by r.day)
),
-- The inputs of bucket h for day t: the view's strictly-before means of day
-- t − h + 1 (the days up to t − h), the trailing statistics ending on t − h,
-- and the latest same weekday known h days ahead. series_features has a row
-- for every day of a series, so n rows back is n days back.
lagged as (
  select t.store_id, t.product_id, t.day, h.h as horizon, t.units, t.promo::int::float8 as promo,
         global_anchor(t.day - h.h) as anchor,
         lag(t.mean_7, h.h - 1) over w as mean_7,
         lag(t.mean_28, h.h - 1) over w as mean_28,
         lag(t.promo_share_28, h.h - 1) over w as promo_share_28,
         lag(t.mean_91, h.h) over w as mean_91,
         lag(t.mean_364, h.h) over w as mean_364,
         lag(t.nonzero_91, h.h) over w as nonzero_91,
         lag(t.days_91, h.h) over w as days_91,
         lag(t.weekday_4, 7 * ((h.h + 6) / 7)) over w as weekday_4
  from windows t cross join unnest(horizons) h (h)
  window w as (partition by h.h, t.store_id, t.product_id order by t.day)
),
targets as (
  select l.* from lagged l where l.day >= first_day
),
holidays as (
  select distinct h.day from holiday h where h.calendar = global_training_rows.calendar
),
training as (
  select l.*, greatest(l.mean_28, scale_floor) as scale,
         coalesce(s.day_of_week[extract(isodow from l.day)::int], 1)
           * coalesce(s.month_of_year[extract(month from l.day)::int]
                      / nullif(s.month_of_year[extract(month from l.day - l.horizon)::int], 0), 1) as shape,
         -- the same with the month at the middle of the 91-day level
         coalesce(s.day_of_week[extract(isodow from l.day)::int], 1)
           * coalesce(s.month_of_year[extract(month from l.day)::int]
                      / nullif(s.month_of_year[extract(month from l.day - l.horizon - 45)::int], 0), 1) as shape_91,
         -- a year's level averages every month: the indices themselves
         coalesce(s.day_of_week[extract(isodow from l.day)::int], 1) * coalesce(s.month_of_year[extract(month from l.day)::int], 1) as shape_364,
         (hd.day is not null)::int::float8 as holiday,
         coalesce(s.lift, 1) as lift
  from targets l
  left join global_anchor_shape s on s.store_id = l.store_id and s.product_id = l.product_id and s.anchor = l.anchor
  left join holidays hd on hd.day = l.day
  where l.days_91 = 91 and l.mean_91 > 0
)
select r.store_id, r.product_id, r.day, r.horizon, r.anchor, r.nonzero_91 >= dense_share as dense,
       r.scale, r.units / r.scale, r.mean_7 / r.scale, r.mean_28 / r.scale, r.mean_91 / r.scale, r.weekday_4 / r.scale, r.shape,
       r.mean_28 / r.scale * r.shape, r.mean_91 / r.scale * r.shape_91, r.mean_364 / r.scale * r.shape_364, r.promo, r.promo * r.mean_28 / r.scale * r.shape,
       r.promo * (r.lift - 1) * r.mean_28 / r.scale * r.shape, r.promo_share_28, r.holiday
from training r
$$;
