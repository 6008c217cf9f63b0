-- A rule that credits its line 0: held (is_held_rule), unpriced_status, the row's status is not
-- credited by the policy (sql/credit/priced_keys.sql), denied, a denied claim's line held by the
-- policy (is_held_denial), or anesthesia_minutes, a line whose units are anesthesia minutes.
create or replace macro is_uncredited_rule(rule) as
is_held_rule(rule) or split_part(rule, '+', 1) in ('unpriced_status', 'denied', 'anesthesia_minutes')
