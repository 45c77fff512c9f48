"""Running writes at the same instant, each in its own thread and database connection, for concurrency tests."""

import threading

from django.db import connections


def run_together(*jobs) -> list[str]:
    """Start every job at the same instant in its own thread (own connection); return what each raised, or
    "saved"."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [""] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            job()
            outcomes[index] = "saved"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[index] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
