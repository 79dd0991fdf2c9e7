"""The Lambda code and boto3 layer, built without Docker and without the network.

Every module the handlers need is pure Python (the package's core and the AWS
SDK), so bundling is a copy: the package minus its shells, and boto3 with its
dependencies copied from the interpreter running the tool. The Lambdas thus
carry exactly the botocore service model that ``environment_request.recreate_request``
was validated against here (a Lambda runtime's own, older boto3 would silently
drop MWAA fields it does not model; the runtimes' SDK versions are listed at
https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html).
The zips are cached by content.
"""

from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import mwaa_pause_resume
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.zipping import cache_root, digest_files, reuse_or_prune, write_zip

# Subpackages that are shells or test infrastructure: never needed by a handler.
EXCLUDED_SUBPACKAGES = frozenset({"cli", "infra", "sandbox", "dags"})
# boto3 and its runtime dependencies (all pure Python wheels).
SDK_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "urllib3",
    "six",
)
_DATA_SUFFIXES = frozenset({".py", ".json", ".toml", ".typed"})


@dataclass(frozen=True)
class LambdaBundle:
    code_zip: Path  # mwaa_pause_resume/... at the zip root
    layer_zip: Path  # python/boto3/... (Lambda layers put python/ on sys.path)
    versions: dict[str, str]  # distribution -> version bundled in the layer


def package_entries(package_dir: Path | None = None) -> list[tuple[Path, str]]:
    """(file, archive name) for the package modules the handlers may import."""
    root = package_dir or Path(mwaa_pause_resume.__file__).parent
    entries = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if not path.is_file() or path.suffix not in _DATA_SUFFIXES:
            continue
        if rel.parts[0] in EXCLUDED_SUBPACKAGES or "__pycache__" in rel.parts:
            continue
        entries.append((path, f"{root.name}/{rel.as_posix()}"))
    return entries


def sdk_entries() -> tuple[list[tuple[Path, str]], dict[str, str]]:
    """(file, ``python/...`` name) for boto3 and its dependencies, and their versions."""
    entries: list[tuple[Path, str]] = []
    versions: dict[str, str] = {}
    for name in SDK_DISTRIBUTIONS:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            raise UserError(
                f"cannot bundle the Lambda functions: the Python package {name!r} is not "
                "installed in the interpreter running mwaa-pause-resume",
                hint="reinstall the tool (pip install 'mwaa-pause-resume[cdk]') so that boto3 "
                "and its dependencies are present",
            ) from None
        versions[name] = dist.version
        for file in dist.files or ():
            rel = PurePosixPath(file.as_posix())
            if rel.parts[0] == ".." or "__pycache__" in rel.parts or rel.suffix == ".pyc":
                continue  # scripts outside site-packages, byte code
            entries.append((Path(str(dist.locate_file(file))), f"python/{rel}"))
    return entries, versions


def build_lambda_bundle(cache_dir: Path | None = None) -> LambdaBundle:
    """Build (or reuse) the code and layer zips; safe to call once per synth."""
    cache = cache_dir or cache_root()
    code = package_entries()
    code_zip = cache / f"lambda-code-{digest_files(code)}.zip"
    if not reuse_or_prune(code_zip, "lambda-code-"):
        write_zip(code_zip, code)
    sdk, versions = sdk_entries()
    # Keyed by versions (not content): hashing 30 MB of botocore every synth costs seconds.
    tag = "-".join(f"{k}{v}" for k, v in sorted(versions.items()))
    layer_zip = cache / f"lambda-sdk-{digest_files([], tag)}.zip"
    if not reuse_or_prune(layer_zip, "lambda-sdk-"):
        write_zip(layer_zip, sdk)
    return LambdaBundle(code_zip=code_zip, layer_zip=layer_zip, versions=versions)
