-- The global model's training rows, and what each run fitted.
--
-- One row per series, target day and horizon bucket: the features a forecast
-- made `horizon` days ahead could have known, read from series_features
-- (sql/008) at the days before the target, and the pooled seasonal profile
-- (sql/009) and the product's promotion lift as of a cut-off no later than
-- any fold that trains on the row.
-- The trainer aggregates these rows into X'X and X'y where they are, so no
-- row leaves Postgres (trainer/global/gram.ts).
--
-- Direct strategy per bucket: every lagged input of the bucket `horizon` ends
-- on the day `horizon` days before the target, so a forecast of any day up to
-- `horizon` ahead reads only days up to its origin and never its own guesses.
--
-- Rows are grouped into blocks of `block_days` days counted back from
-- `origin` (block 0 ends on it); a fold whose cut-off ends block k trains on
-- blocks k and older only. Every input of a row dated t is dated t or
-- earlier (windows end at the current row, lags look back), so a block holds
-- nothing from after its own last day.
--
-- Scale: the series' mean over the 28 days ending `horizon` days before the
-- target (the level every ratio feature is near 1 against, so the one model
-- fits a series in its peak and one in its trough alike), at least
-- `scale_floor`: one sale of a series that sold once in a month would
-- otherwise be a target of 28 and outweigh everything else in the squared
-- error. Rows with nothing sold in the 91 days ending there, or whose 91
-- days are not all in the window, are left out; the model forecasts zero for
-- the first and cannot be asked about the second.
-- Each product's promotion lift as of each cut-off, pooled over its stores:
-- units on promotion days over units on other days, each day divided by its
-- series' mean over the year up to the cut-off so that big stores do not
-- outweigh small ones, its excess over 1 shrunk by n / (n + 7) over n
-- promotion days (linearly, so that the model's one coefficient on it fits
-- large and small lifts alike). Reads days up to each cut-off only.
create function global_promotion_lifts(cutoffs date[])
returns table (cutoff date, product_id integer, lift float8, promo_days bigint)
language sql stable set search_path from current as $$
with cut as (
  select distinct c as cutoff from unnest(cutoffs) c where c is not null
),
days as (
  select c.cutoff, f.store_id, f.product_id, f.promo, f.units,
         avg(f.units) over (partition by c.cutoff, f.store_id, f.product_id) as series_mean
  from cut c
  join series_features f on f.day <= c.cutoff and f.day > c.cutoff - 365
    and f.day >= (select window_start from feature_state)
),
pooled as (
  select cutoff, product_id,
         avg(units / series_mean) filter (where promo) as on_promo,
         avg(units / series_mean) filter (where not promo) as off_promo,
         count(*) filter (where promo) as promo_days
  from days where series_mean > 0
  group by cutoff, product_id
)
select cutoff, product_id,
       case when promo_days > 0 and on_promo > 0 and off_promo > 0
            then 1 + promo_days::float8 / (promo_days + 7) * (on_promo / off_promo - 1) else 1 end,
       promo_days
from pooled
$$;

create function global_training_rows(origin date, block_days integer, blocks integer, horizons integer[],
                                     profile_cutoffs date[], calendar text, dense_share float8, scale_floor float8)
returns table (store_id integer, product_id integer, day date, horizon integer, block integer, dense boolean,
               scale float8, target float8, recent_7 float8, recent_28 float8, recent_91 float8, weekday_4 float8, shape float8,
               shaped_level float8, shaped_91 float8, shaped_364 float8, promo float8, promo_shaped float8, promo_lifted float8, promo_share_28 float8, holiday float8)
language sql stable set search_path from current as $$
with params as (
  select (select window_start from feature_state) as window_start,
         least((select watermark from feature_state), origin) as last_day,
         origin - block_days * blocks as first_target,
         (select max(h) from unnest(horizons) h) as longest
),
-- The feature table's own rows, plus trailing 91-day statistics and the mean
-- of the same weekday over four weeks, each ending on the row's day.
windows as (
  select f.store_id, f.product_id, f.day, f.units, f.promo::int::float8 as promo,
         f.mean_7, f.mean_28, f.promo_share_28,
         sum(f.units) over d91 / 91 as mean_91,
         -- a year: days before the window count as unsold, as on the forecast side
         sum(f.units) over d364 / 364 as mean_364,
         (count(*) filter (where f.units > 0) over d91)::float8 / 91 as nonzero_91,
         count(*) over d91 as days_91,
         (f.units + coalesce(lag(f.units, 7) over w, 0) + coalesce(lag(f.units, 14) over w, 0)
                  + coalesce(lag(f.units, 21) over w, 0)) / 4 as weekday_4
  from series_features f, params p
  where f.day between greatest(p.window_start, p.first_target - p.longest - 364) and p.last_day
  window w as (partition by f.store_id, f.product_id order by f.day),
         d91 as (w rows between 90 preceding and current row),
         d364 as (w rows between 363 preceding and current row)
),
-- series_features has a row for every day of a series, so n rows back is n days back.
lagged as (
  select t.store_id, t.product_id, t.day, h.h as horizon, t.units, t.promo,
         -- the view's strictly-before means of day t - h + 1: the days up to t - h
         lag(t.mean_7, h.h - 1) over w as mean_7,
         lag(t.mean_28, h.h - 1) over w as mean_28,
         lag(t.promo_share_28, h.h - 1) over w as promo_share_28,
         lag(t.mean_91, h.h) over w as mean_91,
         lag(t.mean_364, h.h) over w as mean_364,
         lag(t.nonzero_91, h.h) over w as nonzero_91,
         lag(t.days_91, h.h) over w as days_91,
         -- the latest same weekday known h days ahead
         lag(t.weekday_4, 7 * ((h.h + 6) / 7)) over w as weekday_4
  from windows t cross join unnest(horizons) h (h)
  window w as (partition by h.h, t.store_id, t.product_id order by t.day)
),
cuts as (
  select c.cutoff, c.i - 1 as i from unnest(profile_cutoffs) with ordinality c (cutoff, i)
),
profiles as (
  select * from seasonal_profiles_as_of(profile_cutoffs)
),
-- Each series' profile as the trainer combines it (trainer/run/profiles.ts):
-- product × store ÷ global, rescaled to average 1.
series_shape as (
  select fs.store_id, fs.product_id, c.i as profile,
         array(select v / nullif(avg(v) over (), 0) from (
           select case when g.day_of_week[k] > 0 then (coalesce(pp.day_of_week, g.day_of_week))[k] * (coalesce(ps.day_of_week, g.day_of_week))[k] / g.day_of_week[k]
                       else (coalesce(pp.day_of_week, g.day_of_week))[k] end as v, k
           from generate_series(1, 7) k) x order by k) as day_of_week,
         array(select v / nullif(avg(v) over (), 0) from (
           select case when g.month_of_year[k] > 0 then (coalesce(pp.month_of_year, g.month_of_year))[k] * (coalesce(ps.month_of_year, g.month_of_year))[k] / g.month_of_year[k]
                       else (coalesce(pp.month_of_year, g.month_of_year))[k] end as v, k
           from generate_series(1, 12) k) x order by k) as month_of_year
  from feature_series fs
  cross join cuts c
  join profiles g on g.cutoff = c.cutoff and g.level = 'global'
  left join profiles pp on pp.cutoff = c.cutoff and pp.level = 'product' and pp.member_id = fs.product_id
  left join profiles ps on ps.cutoff = c.cutoff and ps.level = 'store' and ps.member_id = fs.store_id
),
lifts as (
  select c.i as profile, l.product_id, l.lift
  from global_promotion_lifts(profile_cutoffs) l join cuts c on c.cutoff = l.cutoff
),
holidays as (
  select distinct h.day from holiday h where h.calendar = global_training_rows.calendar
),
training as (
  select l.*, greatest(l.mean_28, scale_floor) as scale, (origin - l.day) / block_days as block,
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
         coalesce(pl.lift, 1) as lift
  from lagged l
  cross join params p
  left join series_shape s on s.store_id = l.store_id and s.product_id = l.product_id
                          and s.profile = least((origin - l.day) / block_days, (select max(i) from cuts))
  left join holidays hd on hd.day = l.day
  left join lifts pl on pl.product_id = l.product_id and pl.profile = least((origin - l.day) / block_days, (select max(i) from cuts))
  where l.day > p.first_target and l.days_91 = 91 and l.mean_91 > 0
)
select r.store_id, r.product_id, r.day, r.horizon, r.block, r.nonzero_91 >= dense_share as dense,
       r.scale, r.units / r.scale, r.mean_7 / r.scale, r.mean_28 / r.scale, r.mean_91 / r.scale, r.weekday_4 / r.scale, r.shape,
       r.mean_28 / r.scale * r.shape, r.mean_91 / r.scale * r.shape_91, r.mean_364 / r.scale * r.shape_364, r.promo, r.promo * r.mean_28 / r.scale * r.shape,
       r.promo * (r.lift - 1) * r.mean_28 / r.scale * r.shape, r.promo_share_28, r.holiday
from training r
$$;

-- What each run's global model was: one row per fold cut-off (and the
-- origin), horizon bucket and demand segment, for `trainer status`.
create table global_model_fit (
  run_id        bigint not null references training_run (id) on delete cascade,
  cutoff        date not null,
  horizon       integer not null,
  dense         boolean not null,
  rows          bigint not null,
  features      text[] not null,
  coefficients  double precision[] not null,
  sigma         double precision not null,
  primary key (run_id, cutoff, horizon, dense)
);
