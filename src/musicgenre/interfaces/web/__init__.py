"""The web interface: a FastAPI app (JSON API + a plain HTML/CSS/JS page) served by ``musicgenre serve``.

``create_app(WebSettings(...))`` builds the app; decoding and inference run in a worker pool
(:mod:`.engine`), uploads stream to temporary files under a size limit (:mod:`.uploads`).
Importing this package does not import fastapi: ``create_app`` lives in :mod:`.app`.
"""

from musicgenre.interfaces.web.settings import WebSettings

__all__ = ["WebSettings"]
