"""Report files: listed with their hashes, written the same whatever the number of workers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from perfassess.report.publish import HASHES
from tests.e2e.reports_fixture import report_files, small_run


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_run(tmp_path_factory.mktemp("files") / "out")


def test_reports_sha256_lists_every_report_file_with_its_hash(out: Path) -> None:
    for pack in ("ss-stars-2002", "cqc-la-2024", "cpa-2005"):
        folder = out / pack
        listed = {}
        for line in (folder / HASHES).read_text(encoding="utf-8").splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
        on_disk = {str(p.relative_to(pack)) for p in report_files(out)
                   if p.parts[0] == pack}
        assert set(listed) == on_disk
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        entry = manifest["outputs"][HASHES]
        assert entry["files"] == len(listed)
        assert entry["sha256"] == "sha256:" + hashlib.sha256(
            (folder / HASHES).read_bytes()).hexdigest()
        # The manifest no longer names each report file: the list above does.
        assert not any(name.endswith((".html", ".md")) and name != "summary.md"
                       for name in manifest["outputs"])


def test_the_index_links_the_listed_reports(out: Path) -> None:
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="ss-stars-2002/2003/areas/E06000001.html"' in index
    assert 'href="cqc-la-2024/2024/index.html"' in index
