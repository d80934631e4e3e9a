-- The api_v1 views are a contract with other systems: every view and column is documented here,
-- in the database itself (`\d+ api_v1.household`), and in docs/serving.md. A test holds the column
-- lists fixed; a change of contract is a new schema (api_v2), not an edit of these.
COMMENT ON SCHEMA api_v1 IS 'Shouwang master household table for other systems, version 1 (masked values)';
COMMENT ON SCHEMA api_v1_full IS 'Full values for the privileged role; every read writes an audit.lookup row';

COMMENT ON VIEW api_v1.household IS 'Current master households (the last published version)';
COMMENT ON COLUMN api_v1.household.household_id IS 'Stable master household id';
COMMENT ON COLUMN api_v1.household.township_code IS 'Township: 9-digit administrative code (411328xxx)';
COMMENT ON COLUMN api_v1.household.village_code IS 'Village or community: 12-digit administrative code';
COMMENT ON COLUMN api_v1.household.head_person_id IS 'Master person id of the household head';
COMMENT ON COLUMN api_v1.household.members IS 'Number of current members';
COMMENT ON COLUMN api_v1.household.household_type IS 'Household type as the sources give it (e.g. 脱贫户, 一般农户)';
COMMENT ON COLUMN api_v1.household.monitoring_category IS 'Monitoring category: 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户, NULL if not monitored';
COMMENT ON COLUMN api_v1.household.risk_types IS 'Risk types recorded by 乡村振兴 (several, separated by 、)';
COMMENT ON COLUMN api_v1.household.risk_eliminated IS 'Whether the recorded risk has been eliminated';
COMMENT ON COLUMN api_v1.household.identified_on IS 'Date the household was identified for monitoring';
COMMENT ON COLUMN api_v1.household.as_of_date IS 'Business date from which this version of the row is valid';
COMMENT ON COLUMN api_v1.household.master_version IS 'Publication version that wrote this row (master.publication)';

COMMENT ON VIEW api_v1.person IS 'Current master persons; ID numbers and phones masked, disability as a flag';
COMMENT ON COLUMN api_v1.person.person_id IS 'Stable master person id';
COMMENT ON COLUMN api_v1.person.household_id IS 'Master household the person belongs to now';
COMMENT ON COLUMN api_v1.person.name IS 'Name (simplified characters, status words removed)';
COMMENT ON COLUMN api_v1.person.sex IS 'M or F';
COMMENT ON COLUMN api_v1.person.birth_date IS 'Date of birth';
COMMENT ON COLUMN api_v1.person.id_number_masked IS 'ID number masked: first 6 and last 4 characters (411328********1234)';
COMMENT ON COLUMN api_v1.person.phone_masked IS 'Phone masked: first 3 and last 4 digits (138****5678)';
COMMENT ON COLUMN api_v1.person.township_code IS 'Township of residence: 9-digit administrative code';
COMMENT ON COLUMN api_v1.person.village_code IS 'Village of residence: 12-digit administrative code';
COMMENT ON COLUMN api_v1.person.person_status IS 'Registration status as the sources give it (e.g. 正常, 死亡, 迁出)';
COMMENT ON COLUMN api_v1.person.death_date IS 'Date of death, when known';
COMMENT ON COLUMN api_v1.person.has_disability IS 'Holds a disability certificate (category and grade: api_v1_full only)';
COMMENT ON COLUMN api_v1.person.enrolment_status IS 'School enrolment status (教育 registry)';
COMMENT ON COLUMN api_v1.person.assistance_type IS 'Social assistance received (低保, 特困, ...)';
COMMENT ON COLUMN api_v1.person.monitoring_category IS 'Monitoring category of the person''s record in the 乡村振兴 roster';
COMMENT ON COLUMN api_v1.person.master_version IS 'Publication version that wrote this row';

COMMENT ON VIEW api_v1.membership IS 'Who belongs to which household now, and how';
COMMENT ON COLUMN api_v1.membership.person_id IS 'Master person id';
COMMENT ON COLUMN api_v1.membership.household_id IS 'Master household id';
COMMENT ON COLUMN api_v1.membership.relation_to_head IS 'Relation to the household head (户主, 配偶, 子, 女, ...)';
COMMENT ON COLUMN api_v1.membership.is_head IS 'Whether the person is the household head';

COMMENT ON VIEW api_v1.alert IS 'Open early-warning alerts and verification signals (not resolved or closed, cause still present)';
COMMENT ON COLUMN api_v1.alert.alert_id IS 'Alert id (feedback: POST /v1/alerts/{alert_id}/feedback)';
COMMENT ON COLUMN api_v1.alert.household_id IS 'Master household the alert is about';
COMMENT ON COLUMN api_v1.alert.alert_type IS 'Rule that raised it (low_income, medical_burden, ...; docs/monitoring.md)';
COMMENT ON COLUMN api_v1.alert.kind IS 'risk (a household at risk) or signal (a benefit to verify)';
COMMENT ON COLUMN api_v1.alert.severity IS 'high, medium or low';
COMMENT ON COLUMN api_v1.alert.status IS 'new, pushed (sent on a work list), verified or assisted';
COMMENT ON COLUMN api_v1.alert.detail IS 'The cause in words and figures (no ID numbers or phones)';
COMMENT ON COLUMN api_v1.alert.township_code IS 'Township of the household: 9-digit administrative code';
COMMENT ON COLUMN api_v1.alert.village_code IS 'Village of the household: 12-digit administrative code';
COMMENT ON COLUMN api_v1.alert.created_run IS 'Marts run that first raised it (mart.run)';
COMMENT ON COLUMN api_v1.alert.last_seen_run IS 'Last marts run that still found its cause';
COMMENT ON COLUMN api_v1.alert.cause_changed IS 'Whether the cause changed while the alert was being handled';

COMMENT ON VIEW api_v1.indicator IS 'Per household: income and the two-no-worries-three-guarantees and water flags';
COMMENT ON COLUMN api_v1.indicator.household_id IS 'Master household id';
COMMENT ON COLUMN api_v1.indicator.township_code IS 'Township: 9-digit administrative code';
COMMENT ON COLUMN api_v1.indicator.village_code IS 'Village: 12-digit administrative code';
COMMENT ON COLUMN api_v1.indicator.members IS 'Number of current members';
COMMENT ON COLUMN api_v1.indicator.income_known IS 'At least one income source was seen';
COMMENT ON COLUMN api_v1.indicator.income_basis IS 'surveyed (统计 survey figure), estimate (every working-age member''s work income known) or NULL (not assessable)';
COMMENT ON COLUMN api_v1.indicator.income_assessed_per_capita IS 'Yearly income per member, yuan, as the income rules compare it (NULL when not assessable)';
COMMENT ON COLUMN api_v1.indicator.flag_not_in_school IS 'A child of compulsory school age is not in school';
COMMENT ON COLUMN api_v1.indicator.flag_uninsured IS 'A member has no basic medical insurance';
COMMENT ON COLUMN api_v1.indicator.flag_unsafe_house IS 'The house is rated unsafe (C or D) and not yet renovated (alert_rules.yaml: unsafe_house)';
COMMENT ON COLUMN api_v1.indicator.flag_water_household IS 'The household''s drinking water is not assured';
COMMENT ON COLUMN api_v1.indicator.flag_water_village IS 'The village''s drinking water is not assured';
COMMENT ON COLUMN api_v1.indicator.has_severe_disability IS 'A member has a severe (grade 1-2) disability';
COMMENT ON COLUMN api_v1.indicator.has_chronic_illness IS 'A member is on the 卫健 chronic-illness (慢病) register';

COMMENT ON VIEW api_v1_full.person IS 'Current master persons with full values; each read writes an audit.lookup row';
COMMENT ON COLUMN api_v1_full.person.id_number IS 'ID number, normalised (18 characters)';
COMMENT ON COLUMN api_v1_full.person.phone IS 'Phone, normalised';
COMMENT ON COLUMN api_v1_full.person.disability_category IS 'Disability category (残联)';
COMMENT ON COLUMN api_v1_full.person.disability_grade IS 'Disability grade (残联)';
COMMENT ON COLUMN api_v1_full.person.person_id IS 'As api_v1.person.person_id';
COMMENT ON COLUMN api_v1_full.person.household_id IS 'As api_v1.person.household_id';
COMMENT ON COLUMN api_v1_full.person.name IS 'As api_v1.person.name';
COMMENT ON COLUMN api_v1_full.person.sex IS 'As api_v1.person.sex';
COMMENT ON COLUMN api_v1_full.person.birth_date IS 'As api_v1.person.birth_date';
COMMENT ON COLUMN api_v1_full.person.township_code IS 'As api_v1.person.township_code';
COMMENT ON COLUMN api_v1_full.person.village_code IS 'As api_v1.person.village_code';
COMMENT ON COLUMN api_v1_full.person.person_status IS 'As api_v1.person.person_status';
COMMENT ON COLUMN api_v1_full.person.death_date IS 'As api_v1.person.death_date';
COMMENT ON COLUMN api_v1_full.person.enrolment_status IS 'As api_v1.person.enrolment_status';
COMMENT ON COLUMN api_v1_full.person.assistance_type IS 'As api_v1.person.assistance_type';
COMMENT ON COLUMN api_v1_full.person.monitoring_category IS 'As api_v1.person.monitoring_category';
