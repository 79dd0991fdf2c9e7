SELECT *
FROM sales
WHERE day = '{{ prev_ds }}'
