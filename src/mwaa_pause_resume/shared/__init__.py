"""What the Lambda functions and the DAGs both need, in one place.

Standard library only, and importing nothing else of this package: it ships in the
Lambda bundle (``infra.lambda_bundle``) and in the DAGs folder (``dags.bundle``),
where the rest of the package is absent.
"""
