"""What the operator commands compute (``pause``, ``resume``, ``status``, ``snapshots``,
``init``, ``plan``): pure functions over AWS answers, plus the modules that call AWS:
:mod:`.aws_gateway` (the operator commands), :mod:`.deploy_target` and
:mod:`.stack_outputs` (``deploy`` and ``policy``), all mapping botocore errors
through :mod:`.aws_errors`.

Modules: ``aws_errors`` (botocore error -> UserError with a hint), ``aws_gateway``
(boto3 session, stack outputs, executions, snapshots in S3), ``deployment`` (the
stack outputs and the execution input), ``execution_search`` (which executions status
reads, page by page), ``progress`` (execution history -> steps),
``status`` (what ``status`` shows), ``snapshot_index`` (listing, pruning, manifest
summary), ``init_entry`` (GetEnvironment -> a TOML config entry), ``plan`` and
``prices`` (what ``plan`` shows: next pause/resume times, paused hours, saving),
``deploy_target`` (the account and region a deploy goes to, via STS),
``stack_outputs`` (a deployed stack's outputs for ``policy``), ``fleet_filter``
(``--account``/``--in-region``/``--tag``: which environments a command shows),
``fleet_sessions`` (a session per account and region, through the spoke role),
``fleet_totals`` (figures summed per account and region), ``bounded`` (reads at once,
a bounded number in flight).
"""
