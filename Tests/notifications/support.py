"""What the notification tests share: a printed check that remembers failures, a free port, and
waiting for a condition."""
import socket
import time

failures = []


def check(condition, message):
    print(("ok  " if condition else "FAIL") + " " + message)
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds, step=0.2):
    """The condition's first true value within `seconds`, else its last value."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()
