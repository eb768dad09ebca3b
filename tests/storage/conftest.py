"""The storage tests' fixtures: a real S3 server process (moto's) for the s3 store."""

from tests.support.s3_server import s3_server  # noqa: F401 (a fixture)
