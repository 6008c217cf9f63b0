-- Credited wRVUs, encounters and lines per provider and period (refreshed by every ingest).
create or replace view provider_period as
select npi, period, wrvu, encounters, lines from provider_period_totals
