select count(*) as lines from run_credits
