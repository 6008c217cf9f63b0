-- A teaching physician's service (GC or GE): the attribution policy's `teaching` factor scales the
-- billed clinician's share.
create or replace macro has_teaching_modifier(modifier_1, modifier_2, modifier_3, modifier_4) as
list_has_any([modifier_1, modifier_2, modifier_3, modifier_4], ['GC', 'GE'])
