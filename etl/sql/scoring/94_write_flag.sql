-- Mart: flags from the funnel (funnel_point, already written), sudden changes and nil-return runs.
insert into flag (authority_code, period, flag_type, measure, value, detail)
with funnel as (
    select authority_code, period, measure, rate, target_rate, flag, lower95, upper95, lower998, upper998
    from funnel_point
    where flag <> 'in_control'
)
select authority_code, period,
       case flag when 'low_998' then 'significantly_low' when 'high_998' then 'significantly_high'
                 when 'low_95' then 'warning_low' else 'warning_high' end,
       measure, rate,
       case
           when flag = 'low_998' then format('Significantly low: possible under-recording. Rolling 12-month rate {} per 10,000 children against England {}, below the 99.8% limit {}', printf('%.1f', rate), printf('%.1f', target_rate), printf('%.1f', lower998))
           when flag = 'high_998' then format('Significantly high: rolling 12-month rate {} per 10,000 children against England {}, above the 99.8% limit {}', printf('%.1f', rate), printf('%.1f', target_rate), printf('%.1f', upper998))
           when flag = 'low_95' then format('Low (95% limit only): rolling 12-month rate {} per 10,000 children against England {}, below the 95% limit {}', printf('%.1f', rate), printf('%.1f', target_rate), printf('%.1f', lower95))
           else format('High (95% limit only): rolling 12-month rate {} per 10,000 children against England {}, above the 95% limit {}', printf('%.1f', rate), printf('%.1f', target_rate), printf('%.1f', upper95))
       end
from funnel
union all
select authority_code, period, 'sudden_change', 'total', total,
       format('{} concerns in {} against a trailing median of {} (robust z {}): {}', total, strftime(period, '%Y-%m'),
              printf('%.1f', trailing_median), printf('%.1f', robust_z),
              case when robust_z < 0 then 'a sudden drop; check recording that month' else 'a sudden rise; check for double counting' end)
from scoring_sudden_change
union all
select authority_code, period, 'nil_return_run', 'total', months,
       format('{} consecutive nil returns from {} to {} where about {} concerns a month are usual',
              months, strftime(first_period, '%Y-%m'), strftime(last_period, '%Y-%m'), printf('%.0f', typical_total))
from scoring_nil_run
union all
select s.authority_code, s.period, 'rejected_return', null, null,
       format('{} was rejected ({} error(s)); fix them and resubmit', s.file_name,
              (select count(*) from validation_issue as i where i.submission_id = s.submission_id and i.severity = 'error'))
from submission as s
where s.status = 'rejected' and s.authority_code is not null and s.period is not null
union all
select s.authority_code, s.period, 'resubmitted', null, s.version,
       format('Version {} of the return for {} replaced an earlier one ({})', s.version, strftime(s.period, '%Y-%m'), s.file_name)
from submission as s
where s.is_current and s.version > 1 and s.status in ('accepted', 'queried')
