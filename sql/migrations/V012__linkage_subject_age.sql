-- What a feed says of its subject's age without giving a birth date (a pension being paid:
-- 60 or older; a student grant: of school age), as the window of birth dates it allows,
-- from the feed registry's `subject_age` and the delivery's extract date. Linkage compares it
-- with a profile's birth date to tell namesakes of different generations apart.
ALTER TABLE linkage.record
    ADD COLUMN IF NOT EXISTS born_after date,
    ADD COLUMN IF NOT EXISTS born_before date;
