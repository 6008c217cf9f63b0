delete from schedule_releases where release = $release
