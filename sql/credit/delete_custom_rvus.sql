delete from custom_rvus
