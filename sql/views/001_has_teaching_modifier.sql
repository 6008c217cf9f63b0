-- A teaching physician's service (GC or GE): the attribution policy's `teaching` factor scales the
-- billed clinician's share.
create or replace macro has_teaching_modifier(modifier_1, modifier_2, modifier_3, modifier_4) as
modifier_1 in ('GC', 'GE') or modifier_2 in ('GC', 'GE') or modifier_3 in ('GC', 'GE') or modifier_4 in ('GC', 'GE')
