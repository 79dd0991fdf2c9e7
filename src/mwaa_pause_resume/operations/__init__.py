"""What the operator commands compute (``pause``, ``resume``, ``status``, ``snapshots``,
``init``): pure functions over AWS answers, plus :mod:`.aws_gateway`, the one module
that calls AWS, and :mod:`.aws_errors`, which turns botocore errors into messages.

Modules: ``aws_errors`` (botocore error -> UserError with a hint), ``aws_gateway``
(boto3 session, stack outputs, executions, snapshots in S3), ``deployment`` (the
stack outputs and the execution input), ``execution_search`` (which executions status
reads, page by page), ``progress`` (execution history -> steps),
``status`` (what ``status`` shows), ``snapshot_index`` (listing, pruning, manifest
summary), ``init_entry`` (GetEnvironment -> a TOML config entry).
"""
