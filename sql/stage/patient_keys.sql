-- The keyed hash of each new patient id: HMAC-SHA256 (RFC 2104) with the workspace key, given as its
-- padded inner and outer blocks, truncated to its first 8 bytes (an unsigned 64-bit integer).
select
    patient_id,
    cast('0x' || substr(sha256($outer_block || unhex(sha256($inner_block || encode(patient_id)))), 1, 16) as ubigint)
        as patient_key
from new_patient_ids
