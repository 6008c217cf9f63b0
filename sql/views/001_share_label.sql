-- A share or factor as a rule's label: 0.50000000 -> '0.5', 1.00000000 -> '1.0'.
create or replace macro share_label(share) as
regexp_replace(regexp_replace(cast(share as varchar), '0+$', ''), '\.$', '.0')
