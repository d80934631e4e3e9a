-- Record linkage, more evidence for records without a usable ID (issue 3):
--   * the part of a free-text address below the village: the village group (村民组 / 生产队,
--     "8组", "第11村民组", "八队") or, in town, the house number ("63号"). Two people of the same
--     name in the same village are common; in the same group of that village they are rare.
--   * a masked bank account ("6228********2529"): the same payee across 一卡通 payments.
-- A run that finds a model without these fields re-links in full (linkage.run), so existing
-- databases pick the columns up without a manual step.

-- A number written in digits or Chinese numerals (up to 99): '11' / '十一' / '二十三' / '八' -> int.
CREATE OR REPLACE FUNCTION linkage.cn_number(s text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
  WHEN s ~ '^[0-9]+$' THEN s::int
  WHEN s ~ '^[〇零一二两三四五六七八九]?十[〇零一二两三四五六七八九]?$' THEN
    COALESCE(NULLIF(translate(split_part(s, '十', 1), '〇零一二两三四五六七八九', '001223456789'), '')::int, 1) * 10
    + COALESCE(NULLIF(translate(split_part(s, '十', 2), '〇零一二两三四五六七八九', '001223456789'), '')::int, 0)
  WHEN s ~ '^[〇零一二两三四五六七八九]{1,2}$' THEN translate(s, '〇零一二两三四五六七八九', '001223456789')::int
END $$;

-- The address below the village, as a short comparable key: 'G<n>' for a village group
-- (组 / 队 / 村民组 / 村民小组), else 'N<n>' for a house number (号); NULL when there is neither.
CREATE OR REPLACE FUNCTION linkage.address_detail(address text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
  WHEN g IS NOT NULL AND linkage.cn_number(g[1]) IS NOT NULL THEN 'G' || linkage.cn_number(g[1])
  WHEN n IS NOT NULL THEN 'N' || ltrim(n[1], '0')
END
FROM (
  SELECT regexp_match(a, '([0-9]{1,3}|[〇零一二两三四五六七八九十]{1,3})(?:村民|居民)?小?[组队]') AS g,
         regexp_match(a, '([0-9]{1,5})号') AS n
  FROM (SELECT translate(address, '０１２３４５６７８９', '0123456789') AS a) AS x
) AS m
$$;

ALTER TABLE linkage.record ADD COLUMN IF NOT EXISTS address_detail text;
ALTER TABLE linkage.record ADD COLUMN IF NOT EXISTS account text;
ALTER TABLE linkage.profile ADD COLUMN IF NOT EXISTS address_detail text;
ALTER TABLE linkage.profile ADD COLUMN IF NOT EXISTS account text;

COMMENT ON COLUMN linkage.record.id_key IS
  'first 17 characters of a valid or converted ID; 412927... and 411328... stay distinct';
COMMENT ON COLUMN linkage.record.address_detail IS
  'village group (G<n>) or house number (N<n>) from a free-text address';
COMMENT ON COLUMN linkage.record.account IS 'masked bank account as delivered (e.g. 6228********2529)';
COMMENT ON COLUMN linkage.profile.address_detail IS 'most frequent address_detail of the person''s records';
COMMENT ON COLUMN linkage.profile.account IS 'most frequent masked bank account of the person''s records';
