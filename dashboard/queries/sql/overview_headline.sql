-- the national composite score this period and the one before, and the authorities flagged low
with composite as (
    select period, value
    from measure_value
    where level = 'england'
      and measure = 'composite'
      and "window" = $window
      and period in ($period, $previous)
),
flagged as (
    select count(distinct authority_code) as flagged_low
    from flag
    where period = $period
      and flag_type = 'significantly_low'
)
select
    (select value from composite where period = $period) as composite,
    (select value from composite where period = $previous) as previous_composite,
    (select flagged_low from flagged) as flagged_low
