-- A household has at most one request waiting for its community: the check made when a
-- resident asks holds even when two requests arrive at once.
CREATE UNIQUE INDEX application_request_one_waiting ON application_request (household_id)
    WHERE status = 'waiting';
