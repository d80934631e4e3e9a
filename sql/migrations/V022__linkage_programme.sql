-- The programme a record's own row names for its subject (the registry's `subject_programme`:
-- 代缴类型 低保对象, 补贴项目 护林员补助 ...). Linkage learns which feed's roster each value points
-- to and compares it with the candidate person's records (docs/linkage.md).
ALTER TABLE linkage.record
    ADD COLUMN IF NOT EXISTS programme text;
