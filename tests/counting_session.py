"""An onnxruntime session wrapper that counts what each call fed (how tag models batch their patches)."""

from __future__ import annotations


class CountingSession:
    """An onnxruntime session that records how many patches each call fed."""

    def __init__(self, session):
        self.session, self.fed = session, []

    def run(self, names, feeds):
        self.fed.append(len(feeds["patches"]))
        return self.session.run(names, feeds)
