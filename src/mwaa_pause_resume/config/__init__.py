"""Configuration: the model, loading (TOML or the AWS sample's variables) and validation."""

from mwaa_pause_resume.config.loader import DEFAULT_FILE_NAME, load_config, load_toml
from mwaa_pause_resume.config.model import (
    Config,
    DeploymentConfig,
    EnvironmentConfig,
    PriceOverride,
)
from mwaa_pause_resume.config.problems import ConfigError, Problem

__all__ = [
    "DEFAULT_FILE_NAME",
    "Config",
    "ConfigError",
    "DeploymentConfig",
    "EnvironmentConfig",
    "PriceOverride",
    "Problem",
    "load_config",
    "load_toml",
]
