-- Tanghe County administrative divisions. Seeded from shouwang/reference/*.csv by `shouwang db upgrade`
-- and extended by the water department's village ledger (shuili yinshui carries 12-digit village codes).
CREATE TABLE IF NOT EXISTS ref.township (
    township_code text PRIMARY KEY,   -- 9 digits: 411328 + 3
    township      text NOT NULL,
    core          text NOT NULL       -- name without 街道/镇/乡
);
CREATE TABLE IF NOT EXISTS ref.village (
    village_code  text PRIMARY KEY,   -- 12 digits: township_code + 3
    township_code text NOT NULL REFERENCES ref.township (township_code),
    village       text NOT NULL,
    core          text NOT NULL,      -- name without 村/村委会/社区...
    source        text NOT NULL DEFAULT 'reference'
);
