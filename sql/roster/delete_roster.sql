delete from roster
