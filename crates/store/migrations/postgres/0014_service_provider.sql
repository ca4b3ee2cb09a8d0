-- Service providers (服务机构: meal-aid canteens, elderly-care stations) sign in as staff
-- with the role 'provider'.
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
    CHECK (role IN ('community', 'street', 'district', 'city', 'auditor', 'provider'));
