-- Whether a person is a household head (户主 / 本人 in any relation field of their records), for
-- the person model's "head" comparison: some feeds name the head of a household far more often
-- than a random person (electricity accounts, land contracts); how much more is learned per feed.
ALTER TABLE linkage.profile ADD COLUMN IF NOT EXISTS is_head boolean;
COMMENT ON COLUMN linkage.profile.is_head IS
  'true when a record of the person gives relation_to_head 户主/本人; NULL when none gives a relation';
