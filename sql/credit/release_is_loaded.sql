select count(*) > 0 from schedule_releases where release = $release
