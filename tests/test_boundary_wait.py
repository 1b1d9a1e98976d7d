"""Never a silent wait: boundaries load in the background, a failure is remembered.

A local server that accepts connections and never answers stands in for a firewall that
drops traffic (no network is used). Nothing here asserts on time: the tests hold the
loading thread on an event, or use a fake clock.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from cop.geo import boundaries, boundary_loader
from tests.conftest import make_app


def _ok(year: int = 2025) -> boundaries.BoundaryResult:
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame(
        {"code": ["GM0001"], "name": ["Een"]}, geometry=[box(5, 52, 5.1, 52.1)], crs="EPSG:4326"
    )
    return boundaries.BoundaryResult(gdf, "ogc", year)


def _failed() -> boundaries.BoundaryResult:
    return boundaries.BoundaryResult(None, "points", 2025, boundaries.MSG_UNAVAILABLE, ["x"])


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_page_gets_no_answer_while_loading_and_one_thread_does_the_work():
    release = threading.Event()
    calls: list[str] = []

    def load(key: str) -> boundaries.BoundaryResult:
        calls.append(key)
        release.wait()
        return _ok()

    loader = boundary_loader.BackgroundLoader(load, retry_seconds=600)
    assert loader.get("k", 0) == (None, 0)  # the page draws points at once
    assert loader.get("k", 0.05) == (None, 0)  # and again: no second download
    release.set()
    result, generation = loader.get("k", None)
    assert result.ok and generation == 1
    assert calls == ["k"]
    assert loader.get("k", 0)[0] is result  # kept: no new attempt


def test_failure_is_remembered_then_retried_once_in_the_background():
    clock = _Clock()
    answers = [_failed(), _ok()]
    calls: list[str] = []
    gate = threading.Event()

    def load(key: str) -> boundaries.BoundaryResult:
        calls.append(key)
        if len(calls) == 2:
            gate.wait()
        return answers[len(calls) - 1]

    loader = boundary_loader.BackgroundLoader(load, retry_seconds=600, clock=clock)
    first, _ = loader.get("k", None)
    assert not first.ok and first.message_key == boundaries.MSG_UNAVAILABLE
    clock.now += 599
    assert loader.get("k", 0)[0] is first and len(calls) == 1  # no retry on every view
    clock.now += 2
    again, _ = loader.get("k", 0)
    assert again is first  # the old answer at once, while the retry runs
    assert loader.get("k", 0)[0] is first
    gate.set()
    retried, generation = loader.get("k", None)
    assert retried.ok and generation == 2 and len(calls) == 2


def test_an_exception_in_the_thread_becomes_the_points_notice():
    def load(key: str) -> boundaries.BoundaryResult:
        raise RuntimeError("boom")

    result, _ = boundary_loader.BackgroundLoader(load, retry_seconds=600).get("k", None)
    assert result.source == "points" and result.message_key == boundaries.MSG_UNAVAILABLE
    assert "boom" in result.errors[0]


@pytest.fixture
def dropping_server():
    """A TCP server that accepts every connection and never answers (a dropping firewall)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_download_from_a_server_that_never_answers_blocks_no_page(
    dropping_server, monkeypatch, tmp_path
):
    url, accepted = dropping_server
    monkeypatch.setenv("COP_DATA_DIR", str(tmp_path))
    for name in ("COP_BOUNDARIES_FILE", "COP_OFFLINE"):
        monkeypatch.delenv(name, raising=False)

    def load(key: str) -> boundaries.BoundaryResult:
        return boundaries.load_boundaries(
            ogc_url=url + "/ogc", wfs_url=url + "/wfs/{year}", timeout=0.3
        )

    loader = boundary_loader.BackgroundLoader(load, retry_seconds=600)
    assert loader.get("k", 0)[0] is None  # the page does not wait for the download
    result, _ = loader.get("k", None)
    assert result.source == "points" and result.message_key == boundaries.MSG_UNAVAILABLE
    assert len(result.errors) == 4 and all("attempt" in e for e in result.errors)
    tried = len(accepted)
    assert tried == 4  # two sources, one retry each
    assert loader.get("k", 0)[0] is result and len(accepted) == tried  # remembered


def test_map_page_draws_points_with_a_notice_while_boundaries_load(app_env, monkeypatch):
    from cop import ui_session

    release = threading.Event()

    def load(key: str) -> boundaries.BoundaryResult:
        release.wait()
        return _failed()

    loader = boundary_loader.BackgroundLoader(load, retry_seconds=1)
    monkeypatch.setattr(ui_session, "_BOUNDARY_LOADER", loader)
    monkeypatch.setattr(ui_session.web_boundaries, "__defaults__", (0.01,))
    try:
        at = make_app("pages/map.py", lang="en")
        assert not at.exception
        assert any("loading in the background" in i.value for i in at.info)
        args = json.loads(at.get("component_instance")[0].proto.json_args)
        assert args["script"].count('"Point"') >= 342  # the points view, at once
    finally:
        release.set()
