-- Facts the rest of the assistance catalog reads (特困 care tiers, orphans and children without
-- de-facto carers, expenditure-type temporary assistance, rigid-expenditure hardship). Rows
-- recorded before this migration get the neutral value: no self-care loss assessed, both
-- parents able, cared for at home, no rigid spending.
ALTER TABLE person_version ADD COLUMN self_care_lost TEXT NOT NULL DEFAULT '';
ALTER TABLE person_version ADD COLUMN father TEXT NOT NULL DEFAULT 'able';
ALTER TABLE person_version ADD COLUMN mother TEXT NOT NULL DEFAULT 'able';
ALTER TABLE person_version ADD COLUMN institutional_care BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE person_version ADD COLUMN expense_medical BIGINT NOT NULL DEFAULT 0;
ALTER TABLE person_version ADD COLUMN expense_education BIGINT NOT NULL DEFAULT 0;
ALTER TABLE person_version ADD COLUMN expense_rehabilitation BIGINT NOT NULL DEFAULT 0;
