"""What the operator commands compute (``pause``, ``resume``, ``status``, ``snapshots``,
``init``, ``plan``): pure functions over AWS answers, plus the modules that call AWS:
:mod:`.aws_gateway` (the operator commands), :mod:`.deploy_target` and
:mod:`.stack_outputs` (``deploy`` and ``policy``), all mapping botocore errors
through :mod:`.aws_errors`.

Modules: ``aws_errors`` (botocore error -> UserError with a hint), ``aws_gateway``
(boto3 session, stack outputs, executions, snapshots in S3), ``session`` (the
configuration and one gateway, as a command opens them, and the pacing of the reads),
``deployment`` (the stack outputs and the execution input), ``execution_search`` (which
executions status reads, page by page), ``execution_records`` (reads them: running and
last finished runs), ``workflow_run`` (start a pause or resume after its checks, read
it until it ends), ``snapshot_reads`` (the latest snapshot, a captured environment, the
version change of a resume), ``progress`` (execution history -> steps),
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
