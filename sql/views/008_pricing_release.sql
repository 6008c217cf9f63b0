-- The release that prices a credit key, resolved once (docs/crediting.md section 1): the release its plan
-- pins ('' for none; sql/ingest/line_pins.sql), else the policy's (schedule_basis; null for
-- date_of_service), else the release governing its date of service. A pinned release that is not
-- loaded governs nothing: its lines are held (no_schedule).
create or replace macro pricing_release(plan_pin, policy_pin, dated_release) as
coalesce(nullif(plan_pin, ''), policy_pin, dated_release)
