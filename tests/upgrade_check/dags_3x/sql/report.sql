SELECT *
FROM sales
WHERE day = '{{ prev_data_interval_start_success | ds }}'
