delete from schedule_rows where release = $release
