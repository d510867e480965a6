-- Dimensions and the daily sales fact. Names are unqualified so the same
-- migrations can build an isolated schema (through search_path) per test.

create table city (
  id    integer generated always as identity primary key,
  code  text not null unique check (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name  text not null
);

create table store (
  id       integer generated always as identity primary key,
  code     text not null unique check (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name     text not null,
  city_id  integer not null references city (id),
  -- lets sales carry city_id with a foreign key that proves it matches the store
  unique (id, city_id)
);

create table product (
  id    integer generated always as identity primary key,
  code  text not null unique check (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name  text not null
);

-- One row per store × product × day that had a record; missing days mean no
-- sales and are filled with zeros by the feature view.
create table sales (
  city_id     integer not null,
  store_id    integer not null,
  product_id  integer not null references product (id),
  day         date not null,
  units       numeric(14, 3) not null check (units >= 0),
  price       numeric(12, 2) check (price >= 0),
  promo       boolean not null default false,
  primary key (store_id, product_id, day),
  foreign key (store_id, city_id) references store (id, city_id)
);

-- Covering index for reads by city → store → product → day: the feature view's
-- gap fill and any per-city slice are answered from the index alone.
create index sales_city_store_product_day
  on sales (city_id, store_id, product_id, day) include (units, promo, price);

-- The feature view's anchor is max(day); this keeps it an index lookup.
create index sales_day on sales (day);
