"""Adapters for leadflow's ports: DynamoDB and EventBridge for AWS, in-memory twins for tests and local runs.

Import from the submodules (`leadflow.adapters.dynamodb`, `.eventbridge`, `.memory`): the twins must stay importable
without paying for boto3.
"""
