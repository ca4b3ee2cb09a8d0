-- Why an enrolment was ended or set to taper off (终止, 渐退): the decision's reason, kept with
-- the enrolment so that its notice can say it (a suspension's reason is on its pause).
ALTER TABLE enrolment ADD COLUMN end_reason TEXT;
