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
