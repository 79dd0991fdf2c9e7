"""The CDK app users deploy: one stack serving every configured environment.

Pure parts (names, ARNs, the execution-role policy, bundling plans) import no
aws-cdk-lib so the CLI's ``policy`` command and the tests stay fast; the
constructs and the stack import it.
"""
