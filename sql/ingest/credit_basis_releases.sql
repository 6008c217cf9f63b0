select release, effective_from, content_sha256 from schedule_releases order by effective_from
