-- Places the gazetteer does not list (urban communities 社区 / 居委会 of the four streets,
-- resettlement sites 安置点): staging leaves their village code empty, and without a place two
-- namesakes of a street cannot be told apart. For linkage, such a place gets a key of its own:
-- its township code, '~', and its name without the suffix ('411328003~友兰' for 友兰社区,
-- 友兰居委会 and "河南省唐河县东兴街道友兰社区63号" alike). The key starts with the township
-- code, as a village code does, so everything that reads a township from a village still works.

-- A village or community name without its suffix; NULL when nothing is left.
CREATE OR REPLACE FUNCTION linkage.place_core(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT NULLIF(regexp_replace(btrim(name),
  '(社区居民委员会|居民委员会|村民委员会|社区居委会|社区|居委会|村委会|村委|行政村|村|安置点|安置区)$', ''), '')
$$;

-- The place named in a free-text address just after its township (name, or core with or
-- without 街道/镇/乡/办事处), up to its suffix: "唐河县滨河滨河花园居委会" -> 滨河花园.
CREATE OR REPLACE FUNCTION linkage.address_place_core(address text, township_code text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  t_core text;
  rest   text;
  pos    int;
BEGIN
  IF address IS NULL OR township_code IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT core INTO t_core FROM ref.township WHERE ref.township.township_code = address_place_core.township_code;
  IF t_core IS NULL OR t_core = '' THEN
    RETURN NULL;
  END IF;
  rest := translate(address, ' 　', '');
  pos := strpos(rest, t_core);
  IF pos = 0 THEN
    RETURN NULL;
  END IF;
  rest := regexp_replace(substr(rest, pos + length(t_core)), '^(街道办事处|街道|办事处|镇|乡)', '');
  RETURN NULLIF(substring(rest FROM
    '^(.+?)(?:社区居民委员会|居民委员会|村民委员会|社区居委会|社区|居委会|村委会|村委|村|安置点|安置区)'), '');
END $$;

COMMENT ON COLUMN linkage.record.village_code IS
  'village code from staging; for a place the gazetteer lacks: township code || ''~'' || name core';
