"""The gunicorn worker for the ASGI app: uvicorn's, without the lifespan protocol (Django's
ASGI handler does not speak it)."""

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "lifespan": "off"}
