"""The configuration and one AWS session, as every operator command opens them, and the
pacing of their AWS reads (tests pass a faster one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mwaa_pause_resume.operations.aws_gateway import EXECUTIONS_PAGE, AwsGateway

if TYPE_CHECKING:
    from mwaa_pause_resume.config.model import Config
    from mwaa_pause_resume.operations.deployment import Deployment

# How often ``--wait`` reads the execution. (EXECUTIONS_PAGE: the ListExecutions page size
# of ``status`` and the busy checks; a fleet reads larger ones.)
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Pacing:
    """How often a followed execution is read, how the follower waits, and the
    ListExecutions page size: arguments, so a test passes small ones instead of
    patching module globals."""

    poll_seconds: float = POLL_SECONDS
    sleep: Callable[[float], None] = field(default=time.sleep)
    executions_page: int = EXECUTIONS_PAGE


@dataclass
class Session:
    """The configuration, one AWS session and (once asked for) the deployment."""

    config: Config
    aws: AwsGateway
    _deployment: Deployment | None = None

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            self._deployment = self.aws.deployment(self.config.deployment.stack_name)
        return self._deployment


def open_session(config: Path | None, profile: str | None, region: str | None) -> Session:
    """Load the configuration; the AWS session uses ``region``, else the deployment's."""
    from mwaa_pause_resume.config import load_config

    loaded = load_config(config)
    return Session(loaded, AwsGateway(profile, region or loaded.deployment.region))
