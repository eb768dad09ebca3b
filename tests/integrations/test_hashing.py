"""The background SHA-256 gives hashlib's digest, whatever the chunks, and its thread always ends."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from storyboard.integrations.hashing import BackgroundSha256


@pytest.mark.parametrize("sizes", [[], [1], [65536] * 40, [3, 70000, 1, 0, 2048, 2049, 1 << 20]])
def test_the_digest_is_hashlibs(sizes):
    chunks = [os.urandom(n) for n in sizes]
    with BackgroundSha256(max_pending=4) as digest:
        for chunk in chunks:
            digest.update(memoryview(bytearray(chunk)))  # a reused buffer type is copied, not referenced
        assert digest.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()
        assert digest.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()  # asking twice is fine


def test_the_thread_ends_when_the_producer_fails():
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(RuntimeError):
        with BackgroundSha256() as digest:
            digest.update(b"x" * 10000)
            raise RuntimeError("download broke")
    assert not [t for t in threading.enumerate() if t.name == "sha256" and t.ident not in before]
