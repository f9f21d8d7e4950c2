"""crawler.writer: the crawl's single writer thread."""

from __future__ import annotations

import threading
import time

import pytest

from crawler.writer import WriterThread


def test_jobs_run_in_order_in_one_thread():
    writer = WriterThread().start()
    seen: list[tuple[int, str]] = []
    for i in range(20):
        writer.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
    assert writer.call(lambda: len(seen)) == 20  # call() runs after every job before it
    writer.stop()
    assert [i for i, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"pressroom-writer"}


def test_call_returns_the_result_or_raises_in_the_caller():
    writer = WriterThread().start()
    try:
        assert writer.call(lambda: 6 * 7) == 42
        with pytest.raises(ZeroDivisionError):
            writer.call(lambda: 1 / 0)
        assert writer.call(lambda: "still running") == "still running"
    finally:
        writer.stop()


def test_a_failed_job_reaches_on_error_and_later_jobs_still_run():
    writer = WriterThread().start()
    errors: list[BaseException] = []
    future = writer.submit(lambda: {}["missing"], on_error=errors.append)
    assert writer.call(lambda: "after") == "after"
    writer.stop()
    assert isinstance(future.exception(), KeyError)
    assert len(errors) == 1 and isinstance(errors[0], KeyError)


def test_a_failing_error_handler_does_not_stop_the_writer():
    writer = WriterThread().start()

    def broken_handler(exc: BaseException) -> None:
        raise RuntimeError("handler bug")

    writer.submit(lambda: 1 / 0, on_error=broken_handler)
    assert writer.call(lambda: "alive") == "alive"
    writer.stop()


def test_submit_blocks_while_depth_jobs_are_waiting():
    writer = WriterThread(depth=1).start()
    release = threading.Event()
    started = threading.Event()

    def slow() -> None:
        started.set()
        release.wait(10)

    writer.submit(slow)
    assert started.wait(5)  # being written: the queue is empty again
    writer.submit(lambda: None)  # waits in the queue (depth 1)
    done = threading.Event()

    def third() -> None:
        writer.submit(lambda: None)
        done.set()

    submitter = threading.Thread(target=third)
    submitter.start()
    time.sleep(0.2)
    assert not done.is_set()  # back-pressure: the crawl waits for the writer
    release.set()
    assert done.wait(5)
    submitter.join()
    writer.stop()


def test_stop_runs_what_is_queued_first():
    writer = WriterThread(depth=5).start()
    seen: list[int] = []
    gate = threading.Event()
    writer.submit(lambda: gate.wait(5))
    for i in range(4):
        writer.submit(lambda i=i: seen.append(i))
    gate.set()
    writer.stop()
    assert seen == [0, 1, 2, 3]
    writer.stop()  # twice is harmless
